-- expect: forbidden
-- why: __gc runs with hooks off: a looping finalizer would hang the host
setmetatable({}, { __gc = function() while true do end end })
