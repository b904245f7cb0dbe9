-- expect: memory
-- why: closures are allocations too
local fs = {}
while true do local n = #fs fs[n + 1] = function() return n end end
