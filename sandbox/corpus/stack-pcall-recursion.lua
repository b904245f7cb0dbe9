-- expect: runtime
-- why: pcall recursion hits the C-stack limit cleanly
local function f() local ok, e = pcall(f) if not ok then error(e, 0) end end
f()
