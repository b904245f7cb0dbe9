-- storage: storage challenges with reputation tiers, modelled on FileTAO (SN21).
--
-- Every round each miner is sent a blob (1 KiB, made from a seed only the validator
-- knows) to store, and answers with the blob's id. Some miners — chosen from the block
-- (`ctx.shared_random`), so the choice is the same for every validator and anyone can
-- check it — are also challenged: prove you still hold blob X by returning
-- sha256(salt .. chunk c of X), with a salt of the validator's and a chunk only it chose.
-- Per-miner success and failure counts persist in the validator's store across rounds;
-- a miner's tier comes from the Wilson lower bound of its success rate and its number of
-- successes (5 tiers, factors 1.0 … 0.555). A success earns the tier's factor, a failure
-- costs 0.05 × the tier's number; a miner's score is its moving average of those.
local CHUNK, CHUNKS, KEEP = 64, 16, 4

-- tiers: lowest Wilson bound, fewest successes, factor (best first)
local TIERS = {
  { 0.90, 20, 1.000 }, { 0.80, 10, 0.889 }, { 0.70, 5, 0.778 }, { 0.50, 2, 0.667 }, { 0.00, 0, 0.555 },
}

-- The Wilson score interval's lower bound (95%) for s successes in n tries.
local function wilson(s, n)
  if n == 0 then return 0 end
  local z, p = 1.96, s / n
  return (p + z * z / (2 * n) - z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)
end

local function tier(s, f)
  local bound = wilson(s, s + f)
  for number = 1, #TIERS - 1 do
    local t = TIERS[number]
    if bound >= t[1] and s >= t[2] then return number, t[3] end
  end
  return #TIERS, TIERS[#TIERS][3]
end

-- A blob from its seed: 16 chunks of 64 hex digits.
local function blob(seed)
  local chunks = {}
  for c = 1, CHUNKS do chunks[c] = hash.sha256(seed .. "/" .. c) end
  return table.concat(chunks)
end

-- The seed of the blob a validator sends `hotkey` this round: from the round's first draw
-- of `ctx.secret`, which `task` and `score` both make first (the same number in both).
local function seed_for(hotkey, first)
  return hash.sha256(first .. "/" .. hotkey)
end

-- What a validator keeps about a miner (in that miner's corner of the store).
local function record(hotkey, validator)
  local m = store.miner(hotkey)
  return m.get("v/" .. validator) or { blobs = {}, s = 0, f = 0, score = 0 }, m
end

return subnet {
  name = "storage",
  version = "1.0.0",
  contract = 2,
  tempo = 20,
  timeout = 2.0,
  hyperparameters = { weights_rate_limit = 2 },

  task = function(ctx)
    local first = ctx.secret:int(0, 1 << 52)
    -- Which miners are challenged: half of them, shuffled by the block.
    local order = {}
    for i = 1, #ctx.miners do order[i] = i end
    for i = #order, 2, -1 do
      local j = ctx.shared_random:int(1, i)
      order[i], order[j] = order[j], order[i]
    end
    local challenged = {}
    for k = 1, (#order + 1) // 2 do challenged[order[k]] = true end
    local tasks = {}
    for i, m in ipairs(ctx.miners) do
      local seed = seed_for(m.hotkey, first)
      local task = { store = { id = seed:sub(1, 16), data = blob(seed) } }
      local kept = record(m.hotkey, ctx.validator)
      if challenged[i] and #kept.blobs > 0 then
        local held = kept.blobs[ctx.secret:int(1, #kept.blobs)]
        task.challenge = { id = held.id, chunk = ctx.secret:int(1, CHUNKS), salt = hash.sha256(seed):sub(1, 16) }
      end
      tasks[m.hotkey] = task
    end
    return per_miner(tasks)
  end,

  -- reference miner: keep the last blobs each validator sent, prove chunks from them
  miner = function(task, ctx)
    local answer = { stored = task.store.id, proof = "" }
    local ids = store.get("ids/" .. ctx.validator) or {}
    store.set("blob/" .. task.store.id, task.store.data)
    ids[#ids + 1] = task.store.id
    while #ids > 2 * KEEP do
      store.set("blob/" .. table.remove(ids, 1), nil)
    end
    store.set("ids/" .. ctx.validator, ids)
    local c = task.challenge
    if c then
      local data = store.get("blob/" .. c.id)
      if data then answer.proof = hash.sha256(c.salt .. data:sub((c.chunk - 1) * CHUNK + 1, c.chunk * CHUNK)) end
    end
    return answer
  end,

  validate = function(r)
    return type(r) == "table" and type(r.stored) == "string" and type(r.proof) == "string"
  end,

  score = function(task, responses, ctx)
    local first = ctx.secret:int(0, 1 << 52)
    local s = {}
    for i, r in ipairs(responses) do
      local kept, m = record(r.hotkey, ctx.validator)
      local t = task[r.hotkey]
      if t then
        local c = t.challenge
        if c then
          local number, factor = tier(kept.s, kept.f)
          local held
          for _, b in ipairs(kept.blobs) do if b.id == c.id then held = b end end
          local want = held and hash.sha256(c.salt .. blob(held.seed):sub((c.chunk - 1) * CHUNK + 1, c.chunk * CHUNK))
          local reward
          if r.status == "ok" and want and r.answer.proof == want then
            kept.s = kept.s + 1
            reward = factor
          else
            kept.f = kept.f + 1
            reward = -0.05 * number
          end
          kept.score = 0.8 * kept.score + 0.2 * reward
        end
        -- the new blob counts as held once the miner says it stored it
        if r.status == "ok" and r.answer.stored == t.store.id then
          kept.blobs[#kept.blobs + 1] = { id = t.store.id, seed = seed_for(r.hotkey, first) }
          if #kept.blobs > KEEP then table.remove(kept.blobs, 1) end
        end
      end
      s[i] = math.max(kept.score, 0)
      m.set("v/" .. ctx.validator, kept)
    end
    return s
  end,

  reward = function(scores)
    if scores:sum() == 0 then return scores end
    return scores:normalize()
  end,
}
