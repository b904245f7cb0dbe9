-- expect: ok
-- limits: memory=64
-- why: plain find uses a linear search, so a long needle cannot make it quadratic
local s = ("a"):rep(4000000)
return s:find(("a"):rep(2000000) .. "b", 1, true) == nil
