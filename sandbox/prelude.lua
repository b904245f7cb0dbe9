-- The Synod sandbox prelude: builds the only global environment a plugin ever sees.
--
-- It runs once per sandbox, before any plugin code, with two arguments: the standard
-- libraries as Lua opened them (G) and the host's sandboxed replacements (host, written
-- in C: see Sources/CLuaShim/stdlib.c). Whatever it returns becomes the state's globals
-- table; the original libraries become unreachable afterwards.
--
-- Rules: whitelist, never blacklist; every library table the plugin sees is a fresh copy,
-- so a plugin that rewrites `string.format` changes only its own view; host code here
-- captures what it uses in locals before any plugin runs.
local G, host = ...

local ipairs, pairs, type, error = G.ipairs, G.pairs, G.type, G.error
local setmetatable = G.setmetatable

local function copy(library, names)
  local t = {}
  for _, name in ipairs(names) do
    local f = library[name]
    if f == nil then error("prelude: missing " .. name) end
    t[name] = f
  end
  return t
end

-- Names a plugin might reach for, with the reason it cannot have them. Anything not
-- listed and not defined is simply nil, as in plain Lua.
local forbidden_globals = {
  io = "files are not available to plugins; keep durable state in the store API",
  debug = "the debug library can break every sandbox guarantee",
  package = "plugins are single files; there is no module system",
  require = "plugins are single files; put shared code in the plugin itself",
  dofile = "files are not available to plugins",
  loadfile = "files are not available to plugins",
  loadstring = "use load(text) instead (text chunks only)",
  setfenv = "environments cannot be changed in the sandbox",
  getfenv = "environments cannot be read in the sandbox",
  module = "plugins are single files; there is no module system",
  newproxy = "not available in Lua 5.4 or in the sandbox",
}

local forbidden_os = {
  execute = "processes are not available to plugins",
  exit = "a plugin cannot stop the host",
  getenv = "the host's environment is not available to plugins",
  remove = "files are not available to plugins",
  rename = "files are not available to plugins",
  tmpname = "files are not available to plugins",
  setlocale = "the locale is shared by every subnet and cannot be changed",
}

local forbidden_string = {
  dump = "bytecode cannot be loaded in the sandbox, so it is not produced either",
}

local string_names = {
  "byte", "char", "find", "format", "gmatch", "gsub", "len", "lower", "match", "pack",
  "packsize", "rep", "reverse", "sub", "unpack", "upper",
}

local function sandboxed_string()
  local s = copy(G.string, string_names)
  -- Pattern functions and format come from the host: budgeted matching, no addresses.
  s.find, s.match, s.gmatch, s.gsub = host.find, host.match, host.gmatch, host.gsub
  s.format = host.format
  return setmetatable(s, { __index = host.forbidding(forbidden_string, "string."), __metatable = false })
end

local env = {
  _VERSION = G._VERSION,
  assert = G.assert, error = G.error, getmetatable = G.getmetatable, ipairs = G.ipairs,
  next = G.next, pairs = G.pairs, rawequal = G.rawequal, rawget = G.rawget,
  rawlen = G.rawlen, rawset = G.rawset, select = G.select, tonumber = G.tonumber,
  type = G.type,
  -- replaced by the host
  collectgarbage = host.collectgarbage, load = host.load, pcall = host.pcall,
  print = host.print, setmetatable = host.setmetatable, tostring = host.tostring,
  warn = host.warn, xpcall = host.xpcall,
}

env.string = sandboxed_string()
env.table = copy(G.table, { "concat", "insert", "move", "pack", "remove", "unpack" })
env.table.sort = host.sort
env.math = copy(G.math, {
  "abs", "ceil", "cos", "deg", "exp", "floor", "fmod", "huge", "log", "max", "maxinteger",
  "min", "mininteger", "modf", "pi", "rad", "random", "randomseed", "sin", "sqrt", "tan",
  "tointeger", "type", "ult", "asin", "acos", "atan",
})
env.utf8 = copy(G.utf8, { "char", "charpattern", "codepoint", "codes", "len", "offset" })
env.coroutine = copy(G.coroutine, { "isyieldable", "running", "status", "yield" })
env.coroutine.create, env.coroutine.wrap = host.create, host.wrap
env.coroutine.resume, env.coroutine.close = host.resume, host.close
env.os = setmetatable(copy(G.os, { "time", "clock", "date" }),
  { __index = host.forbidding(forbidden_os, "os."), __metatable = false })
env._G = env

-- Strings share one metatable in a state. Its __index is a hidden copy (never the
-- plugin's `string` table, so rewriting that cannot reach methods used by host code),
-- and __metatable hides the metatable itself from getmetatable("").
local string_metatable = G.getmetatable("")
string_metatable.__index = sandboxed_string()
string_metatable.__metatable = false

-- subnet{...}: what a plugin file returns. Checks the contract's shape, then hands the
-- table back. Errors are raised without a position (level 0): host.located adds the
-- plugin's own line, which a Lua function called as `return subnet {...}` cannot see.
-- The lists and ranges follow the host's declaration of the contract (SubnetHost's
-- PluginContract); a test checks that both refuse the same tables.
local required_hooks = { "task", "score", "reward" }
local optional_hooks = { "miner", "validate", "challenge", "on_load", "on_epoch" }
local contract2_hooks = {
  challenge = "'challenge' needs contract = 2 in the plugin's table: only a contract-2 'score' sees the follow-up answers",
}
local unsupported_hooks = {
  migrate = "'migrate' is not supported yet: the store carries over between versions as it is; "
    .. "convert old state in on_load instead",
  consensus = "'consensus' is not supported yet: every subnet settles by the chain's Yuma; choose a variant "
    .. "with hyperparameters.yuma3 or liquid_alpha instead",
}
local function check_subnet(spec)
  if type(spec) ~= "table" then
    error("subnet{...} expects a table describing the subnet, got " .. type(spec), 0)
  end
  if type(spec.name) ~= "string" or not spec.name:find("^[%w][%w%-_]*$") then
    error("subnet{...}: 'name' must be a string of letters, digits, '-' or '_'", 0)
  end
  if spec.version ~= nil and type(spec.version) ~= "string" then
    error("subnet{...}: 'version' must be a string such as \"1.0.0\"", 0)
  end
  for _, key in ipairs(required_hooks) do
    if type(spec[key]) ~= "function" then
      error("subnet{...}: '" .. key .. "' must be a function (got " .. type(spec[key]) .. ")", 0)
    end
  end
  for _, key in ipairs(optional_hooks) do
    if spec[key] ~= nil and type(spec[key]) ~= "function" then
      error("subnet{...}: '" .. key .. "' must be a function when present", 0)
    end
  end
  for key, reason in pairs(unsupported_hooks) do
    if spec[key] ~= nil then error("subnet{...}: " .. reason, 0) end
  end
  local tempo = spec.tempo
  if tempo ~= nil and (type(tempo) ~= "number" or tempo ~= tempo // 1 or tempo < 1 or tempo > 65535) then
    error("subnet{...}: 'tempo' must be a whole number of blocks from 1 to 65535", 0)
  end
  local contract = spec.contract
  if contract ~= nil and contract ~= 1 and contract ~= 2 then
    error("subnet{...}: 'contract' must be 1 or 2: the version of this contract the plugin is written for", 0)
  end
  for key, reason in pairs(contract2_hooks) do
    if spec[key] ~= nil and (contract or 1) < 2 then error("subnet{...}: " .. reason, 0) end
  end
  local adversaries = spec.adversaries
  if adversaries ~= nil then
    if type(adversaries) ~= "table" then
      error("subnet{...}: 'adversaries' must be a table of name = function(task, ctx)", 0)
    end
    for name, attack in pairs(adversaries) do
      if type(name) ~= "string" or type(attack) ~= "function" then
        error("subnet{...}: 'adversaries' must be a table of name = function(task, ctx)", 0)
      end
    end
  end
  local timeout = spec.timeout
  if timeout ~= nil and (type(timeout) ~= "number" or not (timeout > 0 and timeout <= 600)) then
    error("subnet{...}: 'timeout' must be a number of seconds above 0 and at most 600", 0)
  end
  return spec
end
env.subnet = host.located(check_subnet)

return setmetatable(env, {
  __index = host.forbidding(forbidden_globals, ""),
  __metatable = false,
})
