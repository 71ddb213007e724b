-- submit.lua - wrk script for tests/bench/workflow.py: POST .../submit
-- once for each draft id in the file $IDS, the ids dealt out among wrk's
-- threads and connections so that no draft is submitted twice; counts
-- the 200 answers (a submit of an id already used, or after the list
-- ran out, is not counted).
local counter = 0
local threads = {}

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   ids = {}
   local n = 0
   for line in io.lines(os.getenv("IDS")) do
      if n % tonumber(os.getenv("NTHREADS")) == tid then
         ids[#ids + 1] = line
      end
      n = n + 1
   end
   i = 0
   ok = 0
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
   end
end

function done(summary, latency, requests)
   local total = 0
   for _, t in ipairs(threads) do
      total = total + t:get("ok")
   end
   io.write(string.format("submitted %d in %.3f s\n", total,
                          summary.duration / 1e6))
end
