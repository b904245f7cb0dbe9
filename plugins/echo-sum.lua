-- echo-sum: the smallest honest subnet. Validators send a list of numbers; miners
-- answer with their sum; a miner's score falls off exponentially with its error.
-- Check it with `synod check plugins/echo-sum.lua`; run it with `synod up` (or `make run`).
return subnet {
  name = "echo-sum",
  version = "1.0.0",
  tempo = 20,     -- blocks between epochs
  timeout = 2.0,  -- seconds a miner has to answer
  hyperparameters = { kappa = 0.5, bonds_moving_average = 0.9, weights_rate_limit = 5 },

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

  -- validator: one score in [0, 1] per miner; `responses[i]` is miner i's answer,
  -- or false when it did not answer. Scoring is vectorised: no loop over miners' math.
  score = function(task, responses)
    local want = 0
    for _, x in ipairs(task.numbers) do want = want + x end
    local got = {}
    for i = 1, #responses do
      local r = responses[i]
      got[i] = type(r) == "table" and r.sum or math.huge  -- no answer: infinitely wrong
    end
    return (tensor.from(got) - want):abs():neg():exp()
  end,

  -- validator: scores -> weights summing to 1 (all zero stays all zero)
  reward = function(scores)
    return scores:normalize()
  end,
}
