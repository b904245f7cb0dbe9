-- expect: memory
-- why: string.rep with a separator
return ("x"):rep(100000000, ",")
