-- expect: ok
-- why: __gc reachable only through __index is not a finalizer (Lua looks it up raw)
local mt = setmetatable({}, { __index = { __gc = function() while true do end end } })
setmetatable({}, mt)
local junk = {}
for i = 1, 200000 do junk[i] = { i } end
return true
