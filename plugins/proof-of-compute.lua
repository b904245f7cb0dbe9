-- proof-of-compute: verifiable work, modelled on SN27's proof-of-GPU.
--
-- Each miner gets its own seed (so no two miners can share one computation). It builds
-- two 16×16 matrices of small integers from the seed, multiplies them, and answers with a
-- Merkle root over the digests of the product's rows: a commitment. The validator then
-- challenges two rows, drawn from its secret (`ctx.secret`) in the same round, and the
-- miner opens them: the rows and their Merkle paths. The validator recomputes just those
-- rows (a row of A times B, a `tensor` product) and checks the paths against the root.
-- A wrong row or a bad proof scores 0; among correct miners, faster ones score more (a
-- sigmoid on the round's latency). Products of integers below 16 stay below 2^24, so the
-- float32 tensor kernels compute them exactly on every machine.
local N, OPENED = 16, 2

-- An N×N matrix of integers 0…15 from a seed (one hash per row, one hex digit per entry).
local function matrix(seed, name)
  local rows = {}
  for i = 1, N do
    local h = hash.sha256(seed .. "/" .. name .. "/" .. i)
    local row = {}
    for j = 1, N do row[j] = tonumber(h:sub(j, j), 16) end
    rows[i] = row
  end
  return tensor.from(rows)
end

local function digest(row)
  local parts = {}
  for j, x in ipairs(row) do parts[j] = string.format("%d", x) end
  return hash.sha256(table.concat(parts, ","))
end

-- The Merkle tree over leaf digests, as levels (leaves first, root last).
local function tree(leaves)
  local levels = { leaves }
  while #levels[#levels] > 1 do
    local below, above = levels[#levels], {}
    for i = 1, #below, 2 do above[#above + 1] = hash.sha256(below[i] .. below[i + 1]) end
    levels[#levels + 1] = above
  end
  return levels
end

-- The siblings from leaf i up to the root.
local function path(levels, i)
  local siblings, k = {}, i
  for level = 1, #levels - 1 do
    siblings[#siblings + 1] = levels[level][k % 2 == 1 and k + 1 or k - 1]
    k = (k + 1) // 2
  end
  return siblings
end

-- Whether `leaf` at position i climbs through `siblings` to `root`.
local function proves(leaf, i, siblings, root)
  if type(siblings) ~= "table" or #siblings ~= 4 then return false end
  local h, k = leaf, i
  for _, sibling in ipairs(siblings) do
    if type(sibling) ~= "string" then return false end
    h = k % 2 == 1 and hash.sha256(h .. sibling) or hash.sha256(sibling .. h)
    k = (k + 1) // 2
  end
  return h == root
end

local function integers(row)
  if type(row) ~= "table" or #row ~= N then return nil end
  for j = 1, N do if math.type(row[j]) == nil or row[j] ~= row[j] // 1 then return nil end end
  return row
end

return subnet {
  name = "proof-of-compute",
  version = "1.0.0",
  contract = 2,
  tempo = 20,
  timeout = 2.0,
  hyperparameters = { weights_rate_limit = 4 },

  -- a seed of its own for each miner
  task = function(ctx)
    local tasks = {}
    for _, m in ipairs(ctx.miners) do
      tasks[m.hotkey] = { seed = hash.sha256(ctx.validator .. "/" .. m.hotkey .. "/" .. ctx.block):sub(1, 16), n = N }
    end
    return per_miner(tasks)
  end,

  -- reference miner: multiply, commit to the rows, keep them (in its own store) to open later
  miner = function(task, ctx)
    if task.open then
      local rows = store.get("work/" .. task.seed)
      if not rows then return { rows = {}, paths = {} } end
      local leaves = {}
      for i, row in ipairs(rows) do leaves[i] = digest(row) end
      local levels = tree(leaves)
      local opened, paths = {}, {}
      for k, i in ipairs(task.open) do
        opened[k] = rows[i]
        paths[k] = path(levels, i)
      end
      store.set("work/" .. task.seed, nil)
      return { rows = opened, paths = paths }
    end
    local product = matrix(task.seed, "A"):matmul(matrix(task.seed, "B")):totable()
    local leaves = {}
    for i, row in ipairs(product) do leaves[i] = digest(row) end
    store.set("work/" .. task.seed, product)
    return { root = tree(leaves)[5][1] }
  end,

  validate = function(r)
    return type(r) == "table" and type(r.root) == "string" and #r.root == 64
  end,

  -- open two rows the miner could not guess
  challenge = function(task, r, ctx)
    if #r.challenges > 0 then return nil end
    local i = ctx.secret:int(1, N)
    local j = (i + ctx.secret:int(0, N - 2)) % N + 1
    return { seed = r.task.seed, open = { i, j } }
  end,

  score = function(task, responses)
    local s = {}
    for k, r in ipairs(responses) do
      s[k] = 0
      local c = r.challenges[1]
      local opened = c and c.status == "ok" and type(c.answer) == "table" and c.answer
      if r.status == "ok" and opened and type(opened.rows) == "table" and type(opened.paths) == "table" then
        local a, b = matrix(r.task.seed, "A"), matrix(r.task.seed, "B")
        local correct = true
        for n, i in ipairs(c.request.open) do
          local row = integers(opened.rows[n])
          local own = b:t():mv(a:row(i)):totable()
          if not row then correct = false break end
          for j = 1, N do if row[j] ~= own[j] then correct = false end end
          if not proves(digest(row), i, opened.paths[n], r.answer.root) then correct = false end
        end
        if correct then
          -- faster is better: 1 at no latency, 1/2 at half a second
          local latency = (r.latency or 0) + (c.latency or 0)
          s[k] = 1 / (1 + math.exp((latency - 0.5) / 0.1)) / (1 / (1 + math.exp(-5)))
        end
      end
    end
    return s
  end,

  reward = function(scores, ctx)
    local average = ctx.moving_average(scores, 0.3)
    if average:sum() == 0 then return average end
    return average:normalize()
  end,
}
