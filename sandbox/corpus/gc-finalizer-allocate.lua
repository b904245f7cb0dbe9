-- expect: forbidden
-- why: an allocating finalizer would run outside every budget
setmetatable({}, { __gc = function() local t = {} for i = 1, 1e9 do t[i] = i end end })
