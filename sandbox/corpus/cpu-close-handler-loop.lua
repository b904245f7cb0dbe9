-- expect: instructions
-- why: to-be-closed handlers run under the budget during unwinding
local x <close> = setmetatable({}, { __close = function() while true do end end })
while true do end
