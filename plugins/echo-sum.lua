-- echo-sum: the smallest honest subnet. Validators send a list of numbers; miners
-- answer with their sum; a miner's score falls off exponentially with its error.
-- Run it today with `synod exec plugins/echo-sum.lua` (prints the contract).
return subnet {
  name = "echo-sum",
  version = "1.0.0",
  tempo = 20,     -- blocks between epochs
  timeout = 2.0,  -- seconds a miner has to answer
  hyperparameters = { kappa = 0.5, bonds_moving_average = 0.9 },

  -- validator: build a challenge (ctx.shared_random: same task for every validator)
  task = function(ctx)
    local xs = {}
    for i = 1, 8 do xs[i] = ctx.shared_random:int(1, 100) end
    return { numbers = xs }
  end,

  -- reference (honest) miner
  miner = function(task)
    local s = 0
    for _, x in ipairs(task.numbers) do s = s + x end
    return { sum = s }
  end,

  -- reject malformed answers before scoring
  validate = function(response)
    return type(response) == "table" and math.type(response.sum) ~= nil
  end,

  -- validator: one score in [0, 1] per response (nil for no answer)
  score = function(task, responses)
    local want = 0
    for _, x in ipairs(task.numbers) do want = want + x end
    local scores = {}
    for i, r in ipairs(responses) do
      scores[i] = r and math.exp(-math.abs(r.sum - want)) or 0
    end
    return scores
  end,

  -- validator: scores -> weights summing to 1 (all zero stays all zero)
  reward = function(scores)
    local total = 0
    for _, s in ipairs(scores) do total = total + s end
    local weights = {}
    for i, s in ipairs(scores) do weights[i] = total > 0 and s / total or 0 end
    return weights
  end,
}
