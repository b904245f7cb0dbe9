-- forecast: time-series prediction, modelled on Precog (SN55).
--
-- Validators send the last 32 steps of a series (one step per block); miners return a
-- point forecast for 3 steps ahead and an interval [lo, hi] for where the next 3 steps
-- will fall. Answers are scored when the truth is known, 3 blocks later, from each
-- validator's store: point error relative to the truth, and interval quality = (fraction
-- of the truth inside) × (overlap of the interval with the truth's range, over its width).
-- Miners are ranked on each; a miner's reward is (0.9^point_rank + 0.9^interval_rank) / 2
-- (best rank 0), and weights follow each validator's moving average of rewards, per hotkey.
--
-- The series stands in for a market price: at step t it is the sum of the last 256 moves,
-- a random walk up close, with calm and volatile regimes (40 steps each, volatile about a
-- third of the time). Moves come from public hashes of t, so every validator sees the same
-- series. (A miner that runs this generator sees the future; a live subnet scores against
-- a series nobody can compute ahead: prices.)
local WINDOW, HORIZON, MEMORY, REGIME = 32, 3, 256, 40

local function unit(hex, at) return tonumber(hex:sub(at, at + 7), 16) / 0x100000000 end

-- The series' values at steps `from` … `to`.
local function series(from, to)
  local moves, regimes = {}, {}
  local function move(t)
    if moves[t] then return moves[t] end
    local r = t // REGIME
    if not regimes[r] then
      regimes[r] = unit(hash.sha256("forecast/regime/" .. r), 1) < 0.35 and 4.0 or 1.0
    end
    local h = hash.sha256("forecast/move/" .. t)
    -- a standard normal from two uniforms (Box–Muller), scaled by the regime
    moves[t] = regimes[r] * math.sqrt(-2 * math.log(unit(h, 1) + 1e-12)) * math.cos(2 * math.pi * unit(h, 9))
    return moves[t]
  end
  local sum = 0
  for k = from - MEMORY + 1, from do sum = sum + move(k) end
  local values = { 100 + sum }
  for t = from + 1, to do
    sum = sum + move(t) - move(t - MEMORY)
    values[#values + 1] = 100 + sum
  end
  return values
end

local function finite(x) return math.type(x) ~= nil and x == x and math.abs(x) < 1e12 end

return subnet {
  name = "forecast",
  version = "1.0.0",
  contract = 2,
  tempo = 20,
  timeout = 2.0,
  hyperparameters = { weights_rate_limit = 3, kappa = 0.5 },

  -- every validator sends the same window at a block
  task = function(ctx)
    return { values = series(ctx.block - WINDOW + 1, ctx.block), horizon = HORIZON }
  end,

  -- reference miner: the last value, and an interval from recent volatility
  miner = function(task)
    local v, n = task.values, #task.values
    local diffs = {}
    for i = math.max(2, n - 15), n do diffs[#diffs + 1] = v[i] - v[i - 1] end
    local d = tensor.from(diffs)
    local sigma = math.sqrt(((d - d:mean()) ^ 2):mean())
    local spread = 1.5 * sigma * math.sqrt(task.horizon)
    return { point = v[n], lo = v[n] - spread, hi = v[n] + spread }
  end,

  validate = function(r)
    return type(r) == "table" and finite(r.point) and finite(r.lo) and finite(r.hi) and r.lo <= r.hi
  end,

  -- this round's forecasts are kept; rounds whose truth is known now are scored
  score = function(task, responses, ctx)
    local key = "forecasts/" .. ctx.validator
    local kept = store.get(key) or {}
    local now = { block = ctx.block, answers = {} }
    for _, r in ipairs(responses) do
      if r.status == "ok" then now.answers[r.hotkey] = { r.answer.point, r.answer.lo, r.answer.hi } end
    end
    kept[#kept + 1] = now
    local total, count, waiting = {}, {}, {}
    for _, round in ipairs(kept) do
      if round.block + HORIZON > ctx.block then
        if #waiting < 16 then waiting[#waiting + 1] = round end
      else
        local truth = series(round.block + 1, round.block + HORIZON)
        local last = truth[HORIZON]
        local low, high = math.min(table.unpack(truth)), math.max(table.unpack(truth))
        local hotkeys, errors, quality = {}, {}, {}
        for hotkey, f in pairs(round.answers) do
          local point, lo, hi = f[1], f[2], f[3]
          local inside = 0
          for _, x in ipairs(truth) do if x >= lo and x <= hi then inside = inside + 1 end end
          local overlap = math.max(0, math.min(hi, high) - math.max(lo, low))
          local tight = hi > lo and overlap / (hi - lo) or ((lo >= low and lo <= high) and 1 or 0)
          hotkeys[#hotkeys + 1] = hotkey
          errors[#errors + 1] = math.abs(point - last) / (math.abs(last) + 1)
          quality[#quality + 1] = (inside / HORIZON) * tight
        end
        if #hotkeys > 0 then
          local point_rank = tensor.from(errors):rank()          -- 1 = smallest error
          local interval_rank = tensor.from(quality):rank(true)  -- 1 = best interval
          for i, hotkey in ipairs(hotkeys) do
            local reward = (0.9 ^ (point_rank[i] - 1) + 0.9 ^ (interval_rank[i] - 1)) / 2
            total[hotkey] = (total[hotkey] or 0) + reward
            count[hotkey] = (count[hotkey] or 0) + 1
          end
        end
      end
    end
    store.set(key, waiting)
    local s = {}
    for i, r in ipairs(responses) do s[i] = count[r.hotkey] and total[r.hotkey] / count[r.hotkey] or 0 end
    return s
  end,

  reward = function(scores, ctx)
    local average = ctx.moving_average(scores, 0.3)
    if average:sum() == 0 then return average end
    return average:normalize()
  end,
}
