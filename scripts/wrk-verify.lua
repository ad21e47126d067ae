-- wrk script for scripts/load.sh: posts the tokens of the file named by $TOKENS (one a line)
-- in turn, each wrk thread from its own offset so that concurrent requests carry distinct
-- tokens.
--   BATCH unset or 0: POST /api/v1/verify, body {"input": "<token>"} (application/json);
--   BATCH=N:          POST /api/v1/verify/batch, N tokens a body, one a line (text/plain).
-- done() prints one `WRK key=value ...` line (requests, seconds, rps, latency percentiles in
-- ms, errors) for the script to read.

local requests = {}
local next_index = 1
local thread_count = 0

-- In each thread's own Lua state, the global thread_number is set before init.
function setup(thread)
  thread:set("thread_number", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local tokens = {}
  for line in io.lines(os.getenv("TOKENS")) do
    if #line > 0 then
      tokens[#tokens + 1] = line
    end
  end
  local batch = tonumber(os.getenv("BATCH") or "0") or 0
  if batch > 0 then
    local headers = { ["Content-Type"] = "text/plain" }
    -- As many distinct bodies as there are tokens, each starting one token further on.
    for i = 1, #tokens do
      local lines = {}
      for k = 0, batch - 1 do
        lines[#lines + 1] = tokens[(i + k - 1) % #tokens + 1]
      end
      requests[i] = wrk.format("POST", "/api/v1/verify/batch", headers, table.concat(lines, "\n") .. "\n")
    end
  else
    local headers = { ["Content-Type"] = "application/json" }
    for i = 1, #tokens do
      -- Tokens are base64url and dots: nothing to escape in a JSON string.
      requests[i] = wrk.format("POST", "/api/v1/verify", headers, '{"input":"' .. tokens[i] .. '"}')
    end
  end
  next_index = ((thread_number or 0) * 97) % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function done(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d seconds=%.2f rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "
      .. "errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect, e.read, e.write, e.status, e.timeout))
end
