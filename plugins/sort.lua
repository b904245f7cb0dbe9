-- sort: validators send sixteen numbers; miners return them in ascending order. A miner's
-- score is the fraction of positions it got right; weights follow each validator's moving
-- average of scores (kept in the store), and bonds follow Yuma3.
return subnet {
  name = "sort",
  version = "1.0.0",
  tempo = 30,      -- blocks between epochs
  timeout = 2.0,   -- seconds a miner has to answer
  hyperparameters = { kappa = 0.5, yuma3 = true, weights_rate_limit = 10 },

  -- every validator builds the same list at a block (ctx.shared_random)
  task = function(ctx)
    local xs = {}
    for i = 1, 16 do xs[i] = ctx.shared_random:int(-1000, 1000) end
    return { numbers = xs }
  end,

  -- reference (honest) miner
  miner = function(task)
    local ys = {}
    for i, x in ipairs(task.numbers) do ys[i] = x end
    table.sort(ys)
    return { sorted = ys }
  end,

  validate = function(response)
    return type(response) == "table" and type(response.sorted) == "table"
  end,

  score = function(task, responses)
    local want = {}
    for i, x in ipairs(task.numbers) do want[i] = x end
    table.sort(want)
    local scores = {}
    for i = 1, #responses do
      local r, right = responses[i], 0
      if r then
        for k = 1, #want do
          if r.sorted[k] == want[k] then right = right + 1 end
        end
      end
      scores[i] = right / #want
    end
    return tensor.from(scores)
  end,

  reward = function(scores, ctx)
    return ctx.moving_average(scores, 0.2):normalize()
  end,
}
