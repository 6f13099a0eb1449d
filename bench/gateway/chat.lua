-- wrk script for bench/gateway/run.sh: POST a small chat completion, and print one machine-readable
-- line at the end (the "BENCH" line) that run.sh parses; wrk's own --latency report is kept for people.
--
--   BENCH_BODY      the JSON body (run.sh sets it; a default below)
--   BENCH_SPREAD    optional "host:port host:port ...": wrk thread i connects to address i mod n instead of
--                   the url's host. Used for the direct run, so the 3 simulators share the load as they do
--                   behind a proxy (with 3 threads and 30 connections: 10 connections each).
--   BENCH_OVERHEAD  "1": also collect the gateway's x-router-overhead-ms response header and print its
--                   percentiles (an "OVERHEAD" line). Reading headers in Lua costs wrk time, so run.sh does
--                   this in a separate run, never in the measured one.
--   BENCH_PAUSE_MS  optional: each connection waits this long after a response before it sends the next request, so
--                   the load stays below what the machine can serve (see PAUSE_MS in run.sh).

wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or
  '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello in one short sentence."}]}'
wrk.headers["Content-Type"] = "application/json"

local pause_ms = tonumber(os.getenv("BENCH_PAUSE_MS") or "")
if pause_ms and pause_ms > 0 then
  function delay() return pause_ms end
end

local collect_overhead = os.getenv("BENCH_OVERHEAD") == "1"
local threads = {}
local spread = nil

function setup(thread)
  table.insert(threads, thread)
  local list = os.getenv("BENCH_SPREAD")
  if list == nil or list == "" then return end
  if spread == nil then
    spread = {}
    for host, port in string.gmatch(list, "([^%s:]+):(%d+)") do
      table.insert(spread, wrk.lookup(host, port)[1])
    end
  end
  thread.addr = spread[((#threads - 1) % #spread) + 1]
end

-- Per thread (each wrk thread runs its own copy of this script); done() reads them with thread:get.
overheads = {}

if collect_overhead then
  function response(status, headers, body)
    local v = tonumber(headers["x-router-overhead-ms"] or "")
    if v then overheads[#overheads + 1] = v end
  end
end

local function report_overheads()
  local all = {}
  for _, t in ipairs(threads) do
    for _, v in ipairs(t:get("overheads") or {}) do all[#all + 1] = v end
  end
  if #all == 0 then return end
  table.sort(all)
  local function q(p) return all[math.max(1, math.floor(#all * p + 0.5))] end
  io.write(string.format("OVERHEAD samples=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f\n", #all, q(0.5), q(0.9), q(0.99)))
end

function done(summary, latency, requests)
  if collect_overhead then report_overheads() end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
