-- expect: value
-- why: deeply nested results are refused
local t = {}
local c = t
for i = 1, 200 do c.next = {} c = c.next end
return t
