-- PUT of one extra spec with a matching body, rotating over keys and flavors.
--
-- Arguments after "--": flavors (a count or a comma-separated id list, see
-- flavor_ids in common.lua), number of keys, number of wrk threads.
-- Request i writes key spec-<i mod keys> of flavor number (i mod flavors), and
-- thread t sends requests t, t + threads, t + 2 * threads and so on. When the
-- number of keys is a multiple of the number of flavors, the run writes exactly
-- that many distinct (flavor, key) pairs.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local flavors, key_count, step, sequence, prefix

function init(args)
   flavors = flavor_ids(args[1])
   key_count = tonumber(args[2])
   step = tonumber(args[3])
   sequence = thread_index or 0
   prefix = wrk.path .. "/flavors/"
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   local key = string.format("spec-%05d", sequence % key_count)
   local flavor = flavors[(sequence % #flavors) + 1]
   -- The value changes on every pass over the keys but keeps its length, so the
   -- body stays as long as the reference server's fixed reply.
   local body = string.format('{"%s": "value-%05d"}', key, sequence % 100000)
   sequence = sequence + step
   return wrk.format("PUT", prefix .. flavor .. "/os-extra_specs/" .. key, nil, body)
end
