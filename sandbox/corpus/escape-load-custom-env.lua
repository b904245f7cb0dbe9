-- expect: forbidden
-- why: load may not run a chunk in another environment
return load("return 1", "x", "t", { os = os })
