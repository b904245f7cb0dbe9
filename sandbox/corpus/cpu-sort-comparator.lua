-- expect: instructions
-- why: a looping comparator runs Lua code under the hook
table.sort({ 3, 2, 1 }, function() while true do end end)
