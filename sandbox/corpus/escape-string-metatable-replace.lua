-- expect: runtime
-- why: setmetatable only takes tables; strings' metatable cannot be replaced
setmetatable("", {})
