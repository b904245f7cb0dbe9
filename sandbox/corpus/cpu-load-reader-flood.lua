-- expect: instructions
-- why: a reader that never ends is charged per piece (the parser has no hook)
local piece = "--" .. string.rep("x", 1000000) .. "\n"
return load(function() return piece end)
