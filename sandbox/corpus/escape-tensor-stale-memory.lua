-- expect: ok
-- libraries: tensor
-- why: a tensor whose data the binding never writes would show the plugin whatever the
-- host's heap held there before. Every result of every shape-changing operation must be
-- fully written: read back, nothing but the values the plugin put in may appear.
local function all_zero(t)
  for _, v in ipairs(t:totable()) do
    if type(v) == "table" then
      for _, x in ipairs(v) do if x ~= 0 then return false end end
    elseif v ~= 0 then
      return false
    end
  end
  return true
end
for round = 1, 50 do
  local e = tensor.zeros(0, 64)
  assert(all_zero(e:t()), "transpose of an empty matrix")
  assert(all_zero(e:sum(1)), "column sums of an empty matrix")
  assert(all_zero(tensor.zeros(64, 0):sum(2)), "row sums over no columns")
  assert(all_zero(tensor.zeros(8, 0):matmul(tensor.zeros(0, 8))), "empty inner product")
  assert(all_zero(tensor.zeros(8, 0):mv(tensor.zeros(0))), "empty matrix-vector product")
  assert(all_zero(tensor.zeros(8, 0):cosine(tensor.zeros(0))), "cosine over no columns")
end
return true
