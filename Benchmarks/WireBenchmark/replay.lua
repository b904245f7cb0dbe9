-- wrk script: replays pre-signed btauth/1 requests, each once, split across wrk's threads.
-- The request file (REQUESTS env) has a header line "sender receiver path body" and then
-- one "nonce signature" line per request. Prints one JSON line with the figures at the end.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(os.getenv("REQUESTS"), "r"))
  local sender, receiver, path, body = file:read("l"):match("^(%S+) (%S+) (%S+) (.*)$")
  local nthreads = tonumber(os.getenv("WRK_THREADS"))
  requests = {}
  local index = 0
  for line in file:lines() do
    if index % nthreads == id then
      local nonce, signature = line:match("^(%S+) (%S+)$")
      local headers = {
        ["Content-Type"] = "application/json",
        ["X-Bittensor-Version"] = "1",
        ["X-Bittensor-Hotkey"] = sender,
        ["X-Bittensor-Nonce"] = nonce,
        ["X-Bittensor-Signature"] = signature,
        ["X-Bittensor-Receiver"] = receiver,
      }
      -- As the SDK: ed25519 is declared, sr25519 (CRYPTO=sr25519) is the header's absence.
      if os.getenv("CRYPTO") ~= "sr25519" then headers["X-Bittensor-Crypto"] = "ed25519" end
      requests[#requests + 1] = wrk.format("POST", path, headers, body)
    end
    index = index + 1
  end
  file:close()
  next_request = 0
end

function request()
  next_request = next_request + 1
  -- Past the end the requests repeat: the server refuses them as replays (non-2xx).
  return requests[(next_request - 1) % #requests + 1]
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
