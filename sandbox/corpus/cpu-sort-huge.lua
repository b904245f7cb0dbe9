-- expect: instructions
-- limits: instructions=30000000 memory=128
-- why: the default comparator runs in C: sort is charged n log n up front
local t = {}
for i = 1, 2000000 do t[i] = -i end
table.sort(t)
