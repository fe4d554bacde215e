-- wrk's report for bench/load.py: after wrk's own summary, one line
-- "BENCH-JSON {...}" with the totals, the errors and the whole latency
-- histogram ([microseconds, count] pairs), so runs can be merged and any
-- percentile taken from all of their requests.
done = function(summary, latency, requests)
  local pairs = {}
  for i = 1, #latency do
    local value, count = latency(i)
    pairs[#pairs + 1] = string.format("[%d,%d]", value, count)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":[%s]}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(pairs, ",")))
end
