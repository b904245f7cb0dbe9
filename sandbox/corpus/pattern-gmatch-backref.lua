-- expect: instructions
-- why: back-references in gmatch over a long subject
local n = 0
for _ in ("a"):rep(20000):gmatch("(a-)%1b") do n = n + 1 end
return n
