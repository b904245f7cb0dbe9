-- expect: runtime
-- why: getmetatable('') is hidden (false), so its __index cannot be fetched
local mt = getmetatable("")
return mt.__index
