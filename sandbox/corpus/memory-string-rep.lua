-- expect: memory
-- why: string.rep asks for one huge block
return string.rep("x", 1 << 30)
