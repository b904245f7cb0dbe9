-- expect: instructions
-- why: after a kill the plugin's message handler never runs (it would run with hooks off)
xpcall(function() while true do end end, function() while true do end end)
