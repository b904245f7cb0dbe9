-- expect: instructions
-- why: resume returning (false, err) does not stop a kill
while true do coroutine.resume(coroutine.create(function() while true do end end)) end
