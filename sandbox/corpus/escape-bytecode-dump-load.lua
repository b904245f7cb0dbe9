-- expect: forbidden
-- why: string.dump would produce bytecode; crafted bytecode crashes Lua 5.4.4's loader
local f = string.dump(function() return 1 end)
return load(f)()
