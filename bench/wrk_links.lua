-- wrk script for bench/load.py: wrk_report.lua's report, and requests that
-- rotate over the paths listed, one a line, in the file named after "--"
-- (then the number of threads). Each thread takes every n-th path, so no
-- two threads share one; a thread with at least twice as many paths as
-- connections seldom has two requests for one path in flight at once.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "wrk_report.lua")

local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local paths, next_path = {}, 0

function init(args)
  local count, i = tonumber(args[2]), 0
  for line in io.lines(args[1]) do
    if i % count == id then
      paths[#paths + 1] = line
    end
    i = i + 1
  end
  if #paths == 0 then
    error("no path for thread " .. id)
  end
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format(nil, paths[next_path])
end
