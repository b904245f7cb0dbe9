-- expect: ok
-- why: __gc added after setmetatable never marks the object, so it never runs
local mt = {}
local t = setmetatable({}, mt)
mt.__gc = function() while true do end end
t = nil
local junk = {}
for i = 1, 200000 do junk[i] = { i } end
return true
