-- One bench case for wrk, configured by environment (read when the script loads, so a static
-- request stays static): BENCH_METHOD, BENCH_BODY, BENCH_AUTH, BENCH_ROTATE (n > 0: the URL path
-- gets a suffix cycling through 0..n-1, one formatted request per call). done() prints one
-- BENCH_JSON line the harness parses; latencies are microseconds.
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end

local rotate = tonumber(os.getenv("BENCH_ROTATE") or "0")
if rotate > 0 then
  local n = 0
  request = function()
    n = n + 1
    return wrk.format(nil, wrk.path .. (n % rotate))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
