-- expect: memory
-- why: table.concat of many pieces
local t = {}
for i = 1, 2000000 do t[i] = "0123456789" .. i end
return #table.concat(t)
