-- expect: runtime
-- why: the host never calls __tostring of an error object
error(setmetatable({}, { __tostring = function() while true do end end }))
