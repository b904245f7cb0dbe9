-- expect: ok
-- libraries: tensor
-- why: every way a plugin can choose a shape is bounded per dimension before the product
-- is formed (no wrap-around to a small allocation), and the refusal is a clear Lua error;
-- empty matrices keep their shape, so a transpose or a row of one never yields a vector
-- with memory nobody wrote.
local function refused(f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "accepted a shape that must be refused")
  assert(tostring(err):find("too large") or tostring(err):find("negative"), tostring(err))
  return true
end
local huge = (1 << 62) + 1
for _, make in ipairs({ tensor.zeros, tensor.ones, tensor.new }) do
  refused(make, 4, huge)
  refused(make, huge, 4)
  refused(make, 1 << 32, 1 << 32)      -- 2^64 elements wraps to 0
  refused(make, (1 << 33) + 1, 1 << 31) -- wraps to 2^31
  refused(make, -1, 4)
  refused(make, 4, -1)
  refused(make, math.maxinteger)
end
refused(tensor.full, 1.5, 4, huge)
refused(tensor.random, 4, huge, 7)
refused(tensor.random, huge, 7)
refused(tensor.range, 1, 2 ^ 40)
-- Products: each factor is small, the result would not be.
local a, b = tensor.zeros(4096, 1), tensor.zeros(1, 8192)
refused(a.matmul, a, b)
-- Empty matrices stay matrices of the right shape, and what they yield is written.
local e = tensor.zeros(0, 5)
local r, c = e:shape()
assert(r == 0 and c == 5, "0×5 keeps its shape")
local et = e:t()
r, c = et:shape()
assert(r == 5 and c == 0, "transpose of 0×5 is 5×0")
assert(#et[3] == 0, "a row of a 5×0 matrix is empty")
local s = e:sum(1)
assert(#s == 5 and s:sum() == 0, "column sums of a 0×5 matrix are 5 zeros")
local z = tensor.zeros(3, 0)
r, c = z:shape()
assert(r == 3 and c == 0, "3×0 keeps its shape")
assert(z:numel() == 0)
local p = tensor.zeros(2, 0):matmul(tensor.zeros(0, 3))
assert(p:sum() == 0 and p:numel() == 6, "an empty inner dimension gives zeros")
return true
