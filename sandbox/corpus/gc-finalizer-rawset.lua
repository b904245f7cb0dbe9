-- expect: forbidden
-- why: __gc put in with rawset is still seen
local mt = {}
rawset(mt, "__gc", function() while true do end end)
setmetatable({}, mt)
