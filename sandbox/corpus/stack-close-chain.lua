-- expect: forbidden
-- limits: instructions=100000000
-- why: a long coroutine.close chain through __close overflows 5.4.4's C stack; nesting is bounded
local prev
for i = 1, 20000 do
  local inner = prev
  local co = coroutine.create(function()
    local guard <close> = setmetatable({}, { __close = function() if inner then coroutine.close(inner) end end })
    coroutine.yield()
  end)
  coroutine.resume(co)
  prev = co
end
return coroutine.close(prev)
