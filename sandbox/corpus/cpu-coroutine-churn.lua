-- expect: instructions
-- why: short coroutines are charged at creation, so they cannot hide work between hook periods
while true do coroutine.wrap(function() for i = 1, 1000 do end end)() end
