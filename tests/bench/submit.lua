-- submit.lua - wrk script for tests/bench/workflow.py: POST .../submit
-- once for each draft id in the file $IDS, the ids dealt out among wrk's
-- threads (each thread's connections take its ids in turn) so that no
-- draft is submitted twice.  Prints one line: the 200 answers, the other
-- answers (a submit after the list ran out repeats its last id), the
-- timeouts and socket errors, the slowest answer and the duration.
local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   ids = {}
   local n = 0
   for line in io.lines(os.getenv("IDS")) do
      if line ~= "" then
         if n % tonumber(os.getenv("NTHREADS") or "2") == tid then
            ids[#ids + 1] = line
         end
         n = n + 1
      end
   end
   i = 0
   ok = 0
   other = 0
   token = os.getenv("TOKEN")
end

function request()
   i = i + 1
   local id = ids[i] or ids[#ids]
   return wrk.format("POST", "/api/v1/submissions/" .. id .. "/submit",
                     { ["Authorization"] = "Bearer " .. token })
end

function response(status, headers, body)
   if status == 200 then
      ok = ok + 1
   else
      other = other + 1
   end
end

function done(summary, latency, requests)
   local nok, nother = 0, 0
   for _, t in ipairs(threads) do
      nok = nok + t:get("ok")
      nother = nother + t:get("other")
   end
   local e = summary.errors
   io.write(string.format("submitted ok=%d other=%d timeouts=%d errors=%d "
                          .. "max_us=%d seconds=%.3f\n", nok, nother,
                          e.timeout, e.connect + e.read + e.write,
                          latency.max, summary.duration / 1e6))
end
