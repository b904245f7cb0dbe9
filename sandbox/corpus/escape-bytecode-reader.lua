-- expect: forbidden
-- why: a binary chunk fed through a reader function is refused too
local sent = false
return load(function() if sent then return nil end sent = true return "\27Lua\84" end)
