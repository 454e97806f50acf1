-- GET of one extra spec, rotating over keys and flavors.
--
-- Arguments after "--": flavors (a count or a comma-separated id list, see
-- flavor_ids in common.lua), number of keys, number of wrk threads. Every
-- flavor must have the keys spec-00000 up to that number, as the flavors of
-- bench/gen_config.py do.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local flavors, key_count, step, sequence, prefix

function init(args)
   flavors = flavor_ids(args[1])
   key_count = tonumber(args[2])
   step = tonumber(args[3])
   sequence = thread_index or 0
   prefix = wrk.path .. "/flavors/"
end

function request()
   local key = string.format("spec-%05d", sequence % key_count)
   local flavor = flavors[(sequence % #flavors) + 1]
   sequence = sequence + step
   return wrk.format("GET", prefix .. flavor .. "/os-extra_specs/" .. key)
end
