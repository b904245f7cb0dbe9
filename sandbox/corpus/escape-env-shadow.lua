-- expect: forbidden
-- why: replacing _ENV with a table that falls back to _G still reaches the guarded environment
local _ENV = setmetatable({}, { __index = _G })
return io
