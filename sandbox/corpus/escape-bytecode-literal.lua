-- expect: forbidden
-- why: a binary chunk built by hand must be refused before the loader sees it
local chunk = "\27Lua\84\0\25\147\r\n\26\n\4\8\8" .. string.rep("\0", 64)
return load(chunk)
