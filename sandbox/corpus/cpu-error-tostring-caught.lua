-- expect: instructions
-- why: a looping __tostring on an error object, called by the plugin, is under the budget
local ok, e = pcall(error, setmetatable({}, { __tostring = function() while true do end end }))
return tostring(e)
