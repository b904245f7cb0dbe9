-- expect: instructions
-- why: a kill is sticky: pcall cannot swallow it
while true do pcall(function() while true do end end) end
