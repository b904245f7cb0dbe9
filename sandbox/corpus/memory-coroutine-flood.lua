-- expect: memory
-- limits: instructions=0 timeout=10
-- why: every coroutine costs memory, so many of them hit the cap
local cs = {}
while true do cs[#cs + 1] = coroutine.create(function() end) end
