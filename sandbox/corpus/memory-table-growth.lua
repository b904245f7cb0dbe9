-- expect: memory
-- why: a table that grows forever
local t = {}
local i = 0
while true do i = i + 1 t[i] = { i } end
