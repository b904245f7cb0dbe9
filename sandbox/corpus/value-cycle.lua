-- expect: value
-- why: a cyclic result cannot cross into the host
local t = {}
t.self = t
return t
