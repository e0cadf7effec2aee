-- post.lua - wrk script for bench/run.sh: every request POSTs the same
-- X12 850 body (the file named by $SG_BENCH_BODY) to the URL given to
-- wrk, and done() prints one machine-readable line for run.sh.
--
-- No response() callback: it would make wrk parse every answer in Lua
-- and lower the ceiling this script measures.  Non-2xx answers are
-- still counted by wrk itself (summary.errors.status).

local path = os.getenv("SG_BENCH_BODY")
if path == nil then
    error("SG_BENCH_BODY must name the body file")
end
local f = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/EDI-X12"

function done(summary, latency, requests)
    local e = summary.errors
    local secs = summary.duration / 1e6
    io.write(string.format(
        "SGBENCH name=wrk requests=%d secs=%.2f per_s=%.0f " ..
        "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
        "non2xx=%d connect_err=%d read_err=%d write_err=%d " ..
        "timeouts=%d bytes=%d\n",
        summary.requests, secs, summary.requests / secs,
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000,
        e.status, e.connect, e.read, e.write, e.timeout,
        summary.bytes))
end
