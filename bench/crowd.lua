-- wrk script of the crowd benchmark: one machine-readable line with throughput, latency
-- percentiles and the answers that were not 200 (wrk itself counts only those over 399).
-- Usage: wrk -s bench/crowd.lua -H "Host: botosani.localhost" http://127.0.0.1:PORT/path

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_ok = 0
  last_status = 200
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
    last_status = status
  end
end

function done(summary, latency, requests)
  local not_ok_total, status = 0, 200
  for _, thread in ipairs(threads) do
    not_ok_total = not_ok_total + thread:get("not_ok")
    if thread:get("last_status") ~= 200 then status = thread:get("last_status") end
  end
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f " ..
    "max_ms=%.2f not_ok=%d not_ok_status=%d errors_connect=%d errors_read=%d " ..
    "errors_write=%d errors_timeout=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, not_ok_total, status,
    errors.connect, errors.read, errors.write, errors.timeout))
end
