-- expect: ok
-- libraries: tensor
-- why: found by the tensor fuzzer: a vector of 3 and a 3×0 matrix have equal rows and
-- columns fields, so an elementwise operation took them for the same shape and read 3
-- floats from a tensor that holds none (a heap read past the block). Shapes of different
-- kinds must differ, for every operation that pairs two tensors.
local v, m = tensor.zeros(3), tensor.zeros(3, 0)
for _, op in ipairs({ "add", "sub", "mul", "div", "ema", "eq", "gt", "dot" }) do
  local ok, err = pcall(function() return v[op](v, m, 0.5) end)
  assert(not ok and tostring(err):find("shapes differ"), op .. ": " .. tostring(err))
  ok, err = pcall(function() return m[op](m, v, 0.5) end)
  assert(not ok, op .. " (matrix first) accepted a vector")
end
assert(not pcall(function() return v + m end))
assert(not pcall(tensor.where, v, m, 1))
return true
