-- expect: instructions
-- why: error handlers that retry the work cannot escape the budget
local function work() while true do end end
while true do xpcall(work, function(e) return e end) end
