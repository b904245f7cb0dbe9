-- expect: instructions
-- limits: instructions=1000000 memory=64
-- why: parsing is charged by source size before the parser runs
return load(string.rep("x=1;", 4000000))
