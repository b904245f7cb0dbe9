-- expect: forbidden
-- why: coroutines see the same guarded environment
return coroutine.wrap(function() return debug end)()
