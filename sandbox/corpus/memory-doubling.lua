-- expect: memory
-- why: doubling a string until the cap
local s = "x"
while true do s = s .. s end
