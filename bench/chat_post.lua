-- wrk script: one chat turn per request, cycling through a realistic mix of
-- messages in one conversation per connection-thread. The bearer token and
-- user come from the environment.
local token = os.getenv("BENCH_TOKEN")
local user = os.getenv("BENCH_USER")
local messages = {
  "show my tasks",
  "what's pending?",
  "add buy milk tomorrow at 5pm #errands",
  "what have I completed?",
  "show high priority tasks",
  "help",
}
local i = 0
wrk.method = "POST"
wrk.path = "/api/" .. user .. "/chat"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"

request = function()
  i = i + 1
  local body = '{"message":"' .. messages[(i % #messages) + 1] .. '"}'
  return wrk.format(nil, nil, nil, body)
end
