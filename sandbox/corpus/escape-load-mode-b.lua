-- expect: forbidden
-- why: load may not be asked for binary mode
return load("return 1", "x", "b")
