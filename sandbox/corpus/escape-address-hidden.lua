-- expect: ok
-- why: tostring shows a keyed identity, not the object's address
local a, b = {}, {}
local ta, tb = tostring(a), tostring(b)
return ta ~= tb and ta == tostring(a) and ta:match("^table: 0x%x+$") ~= nil
