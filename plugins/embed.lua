-- embed: text-embedding quality, modelled on the relevance models of SN1/SN5.
--
-- Validators send a batch of 8 texts drawn from the corpus below; miners return a
-- 64-dimensional vector per text. A miner's score is its vectors' cosine similarity to the
-- reference embeddings with the noise floor removed — clip(cos(ref, x) − cos(ref, empty),
-- 0, 1), where `empty` is the embedding of no text, the similarity any vector gets for
-- free — averaged over the batch, all in `tensor` kernels. A softmax with temperature 0.05
-- turns scores into weights (a miner that scores 0 gets none).
--
-- The reference model is feature hashing of character trigrams (each trigram adds ±1 to
-- one of 64 dimensions) plus a shared bias, normalised: cheap, deterministic, and good
-- enough to tell an honest embedding from a stale, copied or perturbed one.
local DIMS, BATCH, TEMPERATURE, BIAS = 64, 8, 0.05, 0.3

local CORPUS = {
  "validators score miners and set weights every tempo",
  "a subnet is a market for one kind of machine intelligence",
  "consensus clips weights that stray from the stake-weighted median",
  "bonds let validators profit from miners they found early",
  "the river rose after three days of rain in the hills",
  "she bought bread, cheese and a bottle of olive oil",
  "the train to the coast leaves at seven in the morning",
  "a quick brown fox jumps over the lazy dog",
  "compilers turn source code into machine instructions",
  "the library closes early on public holidays",
  "gradient descent follows the slope of the loss downhill",
  "an orchestra tunes to the oboe before the concert",
  "photosynthesis turns light, water and air into sugar",
  "the museum keeps a collection of old maps and globes",
  "encryption keeps messages private between two parties",
  "the market opens on saturdays in the town square",
  "a hash function maps any input to a fixed-size digest",
  "mountain goats climb cliffs that look impossible",
  "the recipe calls for two eggs and a cup of flour",
  "tides follow the pull of the moon and the sun",
  "merkle trees let a verifier check one leaf against a root",
  "the children built a sandcastle before the tide came in",
  "a transformer attends to every token in its context",
  "coffee tastes bitter when the water is too hot",
  "the bridge was painted red to stand out in the fog",
  "a random walk drifts without any sense of direction",
  "storage proofs ask a miner for a chunk it promised to keep",
  "the cat slept in a patch of afternoon sunlight",
  "latency is the time between a request and its answer",
  "winter evenings are long and quiet in the north",
  "the committee will vote on the proposal next week",
  "a lighthouse warns ships away from the rocks",
}

-- The reference embedding of a text, as a list (unit length).
local function embed(text)
  local v = {}
  for d = 1, DIMS do v[d] = BIAS end
  local s = " " .. text:lower() .. " "
  for i = 1, #s - 2 do
    local h = hash.sha256(s:sub(i, i + 2))
    local d = tonumber(h:sub(1, 4), 16) % DIMS + 1
    v[d] = v[d] + (tonumber(h:sub(5, 5), 16) < 8 and 1 or -1)
  end
  return tensor.from(v):unit():totable()
end

local EMPTY = tensor.from(embed(""))

return subnet {
  name = "embed",
  version = "1.0.0",
  contract = 2,
  tempo = 20,
  timeout = 2.0,
  hyperparameters = { weights_rate_limit = 4 },

  -- every validator sends the same batch at a block
  task = function(ctx)
    local items = {}
    for i = 1, BATCH do items[i] = CORPUS[ctx.shared_random:int(1, #CORPUS)] end
    return { items = items, dims = DIMS }
  end,

  -- reference miner: the reference model
  miner = function(task)
    local vectors = {}
    for i, text in ipairs(task.items) do vectors[i] = embed(text) end
    return { vectors = vectors }
  end,

  -- a vector of DIMS finite numbers per item
  validate = function(r, task)
    if type(r) ~= "table" or type(r.vectors) ~= "table" or #r.vectors ~= #task.items then return false end
    local ok, x = pcall(tensor.from, r.vectors)
    if not ok then return false end
    local rows, cols = x:shape()
    return rows == #task.items and cols == DIMS and x:abs():max() < 1e6
  end,

  score = function(task, responses)
    local reference = {}
    for i, text in ipairs(task.items) do reference[i] = embed(text) end
    local ref = tensor.from(reference)
    local floor = ref:cosine(EMPTY):clamp(0, 1)  -- per item: the similarity of no text
    local s = {}
    for i, r in ipairs(responses) do
      if r.status == "ok" then
        local sims = tensor.from(r.answer.vectors):unit():cosine_rows(ref)
        s[i] = (sims - floor):clamp(0, 1):mean()
      else
        s[i] = 0
      end
    end
    return tensor.from(s)
  end,

  -- softmax with temperature; a miner that scored 0 gets nothing
  reward = function(scores)
    if scores:max() <= 0 then return scores * 0 end
    return (scores:softmax(TEMPERATURE) * scores:gt(0)):normalize()
  end,
}
