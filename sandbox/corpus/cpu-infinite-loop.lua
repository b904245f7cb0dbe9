-- expect: instructions
-- why: the count hook stops a plain loop
while true do end
