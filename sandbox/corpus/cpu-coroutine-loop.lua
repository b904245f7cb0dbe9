-- expect: instructions
-- why: coroutines inherit the hook
coroutine.wrap(function() while true do end end)()
