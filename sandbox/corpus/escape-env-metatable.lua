-- expect: runtime
-- why: the environment's metatable is protected
setmetatable(_ENV, nil)
return io
