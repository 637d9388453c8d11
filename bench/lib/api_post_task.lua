-- wrk script: POST a new task with the bearer token from the environment.
local token = os.getenv("BENCH_TOKEN")
local user = os.getenv("BENCH_USER")
wrk.method = "POST"
wrk.path = "/api/" .. user .. "/tasks"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title":"Benchmark task","description":"created by wrk","priority":"high","tags":["bench"]}'
