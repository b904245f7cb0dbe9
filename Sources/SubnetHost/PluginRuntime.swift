/// Synod's own Lua in each plugin sandbox: the `ctx` a hook receives (seeded random
/// generators, the block), and the calls that turn hook results into plain values.
///
/// It runs before the plugin, so the functions it keeps (`tensor.from`, `math.type`, …) are
/// the originals whatever the plugin later does to its globals. Its result is an `install`
/// function; after the plugin has loaded, the host points the global `__synod_plugin` at the
/// plugin's table and calls `install`, which takes the table, clears the global and returns
/// the host's entry points.
enum PluginRuntime {
    static let chunkName = "synod/runtime.lua"

    static let source = #"""
        local tensor_from = tensor.from
        local math_type, type, error, tostring = math.type, type, error, tostring
        local store_get, store_set = __synod_store_get, __synod_store_set
        __synod_store_get, __synod_store_set = nil, nil
        local sha256, blake2b = __synod_sha256, __synod_blake2b
        __synod_sha256, __synod_blake2b = nil, nil

        -- hash: digests computed by the host (lowercase hex), charged to the call's budget.
        hash = {
          sha256 = function(s) return sha256(s) end,
          blake2b = function(s) return blake2b(s) end,
        }

        -- Whose part of the store a call sees: the validators' ("") or, inside the reference
        -- miner, that miner's own ("reference-miner/<hotkey>/"). Every entry point sets it.
        local scope = ""

        local function check_hotkey(hotkey, what)
          if type(hotkey) ~= "string" or hotkey == "" or #hotkey > 128 or hotkey:find("/", 1, true) then
            error(what .. " takes a miner's hotkey (a string without '/')", 3)
          end
        end

        -- store: the plugin's durable state (in the ledger under synod up).
        store = {
          get = function(key) return store_get(scope .. key) end,
          set = function(key, value) store_set(scope .. key, value) end,
        }
        -- One miner's own corner of the store, by hotkey: it goes when the hotkey leaves the
        -- subnet, so a hotkey that takes over a recycled UID starts clean.
        function store.miner(hotkey)
          check_hotkey(hotkey, "store.miner(hotkey)")
          local prefix = scope .. "miner/" .. hotkey .. "/"
          return {
            get = function(key) return store_get(prefix .. key) end,
            set = function(key, value) store_set(prefix .. key, value) end,
          }
        end
        -- The contract the plugin declared (set when it is installed).
        local contract = 1

        -- per_miner(tasks): what `task` returns to give each miner its own task, keyed by
        -- hotkey (contract 2). A miner without an entry is not asked this round.
        local PER_MINER = {}
        function per_miner(tasks)
          if type(tasks) ~= "table" then error("per_miner(tasks) takes a table of hotkey = task", 2) end
          return { [PER_MINER] = tasks }
        end


        -- xoshiro256** seeded through splitmix64: the same seed gives the same numbers on
        -- every machine (Lua integers are 64-bit and wrap).
        local function generator(seed)
          local x = seed
          local function splitmix()
            x = x + 0x9E3779B97F4A7C15
            local z = x
            z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
            z = (z ~ (z >> 27)) * 0x94D049BB133111EB
            return z ~ (z >> 31)
          end
          local s0, s1, s2, s3 = splitmix(), splitmix(), splitmix(), splitmix()
          local function rotl(v, k) return (v << k) | (v >> (64 - k)) end
          local function next64()
            local result = rotl(s1 * 5, 7) * 9
            local t = s1 << 17
            s2 = s2 ~ s0
            s3 = s3 ~ s1
            s1 = s1 ~ s2
            s0 = s0 ~ s3
            s2 = s2 ~ t
            s3 = rotl(s3, 45)
            return result
          end
          local g = {}
          -- A whole number from lo to hi, both included.
          function g:int(lo, hi)
            if math_type(lo) ~= "integer" or math_type(hi) ~= "integer" then
              error("random:int(lo, hi) takes two integers", 2)
            end
            if hi < lo or hi - lo >= (1 << 53) then
              error("random:int(lo, hi) needs lo <= hi and a range below 2^53", 2)
            end
            return lo + (next64() >> 11) % (hi - lo + 1)
          end
          -- A float in [0, 1).
          function g:float() return (next64() >> 11) * 0x1p-53 end
          return g
        end

        local function context(c)
          local ctx = {
            netuid = c.netuid, block = c.block, validator = c.validator, miners = c.miners or {},
            random = generator(c.seed), shared_random = generator(c.shared_seed),
            secret = generator(c.secret_seed),
          }
          -- This validator's exponential moving average of its scores, kept in the store:
          -- alpha · scores + (1 − alpha) · previous (the previous is reset when the number
          -- of miners changes). Returns a tensor.
          function ctx.moving_average(scores, alpha)
            if type(alpha) ~= "number" or alpha < 0 or alpha > 1 then
              error("ctx.moving_average(scores, alpha) needs alpha from 0 to 1", 2)
            end
            local now = scores
            if type(scores) == "userdata" and scores.totable then now = scores:totable() end
            if type(now) ~= "table" then error("ctx.moving_average(scores, alpha) needs a tensor or a list", 2) end
            -- Contract 2: kept per hotkey, so an average follows its miner whatever its
            -- position, and a new hotkey (a recycled UID) starts from its own score.
            if contract >= 2 and c.miners and #c.miners == #now then
              local key = "synod.moving_average.by_hotkey/" .. c.validator
              local previous = store_get(key)
              if type(previous) ~= "table" then previous = {} end
              local kept, average = {}, {}
              for i = 1, #now do
                local hotkey = c.miners[i].hotkey
                local before = previous[hotkey]
                average[i] = type(before) == "number" and alpha * now[i] + (1 - alpha) * before or now[i]
                kept[hotkey] = average[i]
              end
              store_set(key, kept)
              return tensor_from(average)
            end
            local key = "synod.moving_average/" .. c.validator
            local previous = store_get(key)
            local average = {}
            for i = 1, #now do
              if type(previous) == "table" and #previous == #now then
                average[i] = alpha * now[i] + (1 - alpha) * previous[i]
              else
                average[i] = now[i]
              end
            end
            store_set(key, average)
            return tensor_from(average)
          end
          return ctx
        end

        -- One number per miner, from a tensor or a list.
        local function numbers(value, count, hook)
          local list = value
          if type(value) == "userdata" and value.totable then list = value:totable() end
          if type(list) ~= "table" then
            error("'" .. hook .. "' must return a tensor or a list of numbers (got " .. type(value) .. ")", 0)
          end
          if #list ~= count then
            error("'" .. hook .. "' returned " .. #list .. " values for " .. count .. " miners; return one per miner", 0)
          end
          for i = 1, count do
            if type(list[i]) ~= "number" then
              error("'" .. hook .. "' value " .. i .. " is " .. type(list[i]) .. ", not a number", 0)
            end
          end
          return list
        end

        return function()
          local plugin = __synod_plugin
          __synod_plugin = nil
          contract = plugin.contract or 1
          local api = {}
          function api.task(c)
            scope = ""
            local t = plugin.task(context(c))
            local tasks = type(t) == "table" and rawget(t, PER_MINER)
            if tasks then
              if contract < 2 then
                error("'task' returned per_miner(...): per-miner tasks need contract = 2 in the plugin's table", 0)
              end
              return tasks, true
            end
            return t, false
          end
          function api.miner(task, c)
            check_hotkey(c.hotkey, "the reference miner")
            scope = "reference-miner/" .. c.hotkey .. "/"
            return plugin.miner(task, { netuid = c.netuid, hotkey = c.hotkey, validator = c.validator })
          end
          function api.adversary(name, task, c)
            check_hotkey(c.hotkey, "an adversary")
            scope = "reference-miner/" .. c.hotkey .. "/"
            return plugin.adversaries[name](task, { netuid = c.netuid, hotkey = c.hotkey, validator = c.validator })
          end
          function api.validate(response, task)
            scope = ""
            return plugin.validate(response, task) and true or false
          end
          function api.challenge(task, response, c)
            scope = ""
            local request = plugin.challenge(task, response, context(c))
            return request ~= nil, request
          end
          function api.score(task, responses, c)
            scope = ""
            return numbers(plugin.score(task, responses, context(c)), #responses, "score")
          end
          function api.reward(scores, c)
            scope = ""
            return numbers(plugin.reward(tensor_from(scores), context(c)), #scores, "reward")
          end
          function api.on_load(c)
            scope = ""
            if plugin.on_load then plugin.on_load(context(c)) end
          end
          function api.on_epoch(result, c)
            scope = ""
            if plugin.on_epoch then plugin.on_epoch(result, context(c)) end
          end
          return api
        end
        """#
}
