-- Shared parts of the benchmark's wrk scripts: the result line that bench/run.sh
-- parses, and the optional stop after a fixed number of responses.
--
-- Scripts that load this file must be run with the environment variable
-- BENCH_LUA_DIR set to this directory.

-- Prints one machine-readable line. Latencies are in microseconds, as wrk
-- records them. status_errors counts responses outside 2xx and 3xx.
function done(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      "BENCH_RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d"
         .. " status_errors=%d socket_errors=%d\n",
      summary.requests,
      summary.duration,
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50.0),
      latency:percentile(99.0),
      errors.status,
      errors.connect + errors.read + errors.write + errors.timeout))
end

-- With BENCH_RESPONSE_LIMIT set, wrk exits as soon as it has received that many
-- responses, so a run sends a fixed number of requests (plus at most one in
-- flight per connection). The count is per thread and the exit ends every
-- thread, so use it with -t1 only. wrk's own summary is not printed then, and
-- the script prints BENCH_STOPPED instead. Defining response() makes wrk call
-- Lua for every response, so it is only defined in this mode.
local response_limit = tonumber(os.getenv("BENCH_RESPONSE_LIMIT") or "")
if response_limit then
   local responses = 0
   local failures = 0
   function response(status, headers, body)
      responses = responses + 1
      if status >= 400 then
         failures = failures + 1
      end
      if responses >= response_limit then
         io.write(string.format("BENCH_STOPPED responses=%d status_errors=%d\n",
            responses, failures))
         io.flush()
         os.exit(0)
      end
   end
end

-- Returns the flavor ids named by a script argument: a number N stands for
-- flavor-0 to flavor-<N-1> (the ids of bench/gen_config.py), anything else is a
-- comma-separated list of ids.
function flavor_ids(argument)
   local ids = {}
   local count = tonumber(argument)
   if count then
      for i = 0, count - 1 do
         ids[#ids + 1] = "flavor-" .. i
      end
   else
      for id in string.gmatch(argument, "[^,]+") do
         ids[#ids + 1] = id
      end
   end
   return ids
end

-- Gives each wrk thread its index, so that threads can split one sequence of
-- requests between them.
local thread_count = 0
function setup(thread)
   thread:set("thread_index", thread_count)
   thread_count = thread_count + 1
end
