-- expect: ok
-- why: print output is capped per call; the rest is dropped with one notice
for i = 1, 100000 do print(("x"):rep(100)) end
return true
