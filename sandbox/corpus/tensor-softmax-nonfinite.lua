-- expect: ok
-- libraries: tensor
-- why: found by the tensor fuzzer: softmax at a temperature whose reciprocal overflows
-- computed 0 × inf = NaN and converted NaN to an integer inside exp (undefined behaviour).
-- Such a softmax is refused with the reason; ordinary ones are untouched.
local ok, err = pcall(function() return tensor.from({ 1, 2, 3 }):softmax(1e-45) end)
assert(not ok and tostring(err):find("softmax: the result is not finite"), tostring(err))
ok, err = pcall(function() return tensor.from({ -1 / 0, -1 / 0 }):softmax() end)
assert(not ok and tostring(err):find("not finite"), tostring(err))
local s = tensor.from({ 0, 0 }):softmax()
assert(s[1] == 0.5 and s[2] == 0.5)
return true
