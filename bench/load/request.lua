-- wrk script: one request, the same each time, from the environment:
-- METHOD, BODY_FILE (its bytes are the body), AUTH (a bearer token),
-- CTYPE (Content-Type of the body). The path is wrk's URL.
local method = os.getenv("METHOD") or "GET"
local auth = os.getenv("AUTH")
local ctype = os.getenv("CTYPE")
local body_file = os.getenv("BODY_FILE")

wrk.method = method
if auth and auth ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. auth
end
if ctype and ctype ~= "" then
  wrk.headers["Content-Type"] = ctype
end
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end

-- Statuses other than 2xx are counted by wrk ("Non-2xx or 3xx"); a
-- summary line with the numbers the runner parses.
function done(summary, latency, requests)
  io.write(string.format("LGBENCH requests=%d duration_us=%d p50_us=%d p99_us=%d " ..
                         "connect=%d read=%d write=%d timeout=%d status=%d bytes=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status, summary.bytes))
end
