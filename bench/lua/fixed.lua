-- Repeats the request given on the wrk command line (URL and -H headers).
-- Since this script defines no request(), wrk builds that request once.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
