-- expect: instructions
-- why: unanchored lazy match over a long subject is quadratic
return (("a"):rep(1000000)):gsub(".-b", "")
