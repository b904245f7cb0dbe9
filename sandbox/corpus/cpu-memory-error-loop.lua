-- expect: instructions
-- why: catching memory errors in a loop still runs out of instructions
while true do pcall(string.rep, "x", 1 << 30) end
