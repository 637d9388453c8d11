"""Creates the benchmark user with its tasks through the API, then logs in through
the web frontend's own form (CSRF token and all) and prints the session cookie.

Usage: web_setup.py API_PORT WEB_PORT TASKS  -> prints "COOKIE_VALUE"
"""
import http.client
import json
import re
import sys
import urllib.parse

api_port, web_port, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
email, password = "web-bench@example.com", "bench password"

api = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)


def call(method, path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    api.request(method, path, json.dumps(body), headers)
    reply = api.getresponse()
    data = reply.read()
    if reply.status >= 300:
        sys.exit(f"{method} {path}: {reply.status} {data[:200]!r}")
    return json.loads(data)


auth = call("POST", "/api/auth/signup", {"email": email, "password": password, "name": "Web Bench"})
user, token = auth["user_id"], auth["token"]
priorities = ["low", "medium", "high"]
for i in range(count):
    body = {"title": f"Task number {i}", "priority": priorities[i % 3], "tags": [f"t{i % 5}"]}
    if i % 4 == 0:
        body["description"] = "A description that is a little longer, as real tasks often have."
    if i % 3 == 0:
        body["due_at"] = f"2030-01-{(i % 28) + 1:02d}T09:00:00Z"
    call("POST", f"/api/{user}/tasks", body, token)

web = http.client.HTTPConnection("127.0.0.1", web_port, timeout=30)


def session_cookie(reply):
    for name, value in reply.getheaders():
        if name.lower() == "set-cookie" and value.startswith("todo_session="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return None


web.request("GET", "/login")
reply = web.getresponse()
page = reply.read().decode()
cookie = session_cookie(reply)
csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
form = urllib.parse.urlencode({"csrf_token": csrf, "email": email, "password": password})
web.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"todo_session={cookie}"})
reply = web.getresponse()
reply.read()
if reply.status != 303:
    sys.exit(f"web log-in failed: {reply.status}")
cookie = session_cookie(reply)
web.request("GET", "/tasks", headers={"Cookie": f"todo_session={cookie}"})
reply = web.getresponse()
page = reply.read().decode()
rows = page.count('class="task')
if reply.status != 200 or rows < min(count, 200):
    sys.exit(f"the main page did not show the tasks: status {reply.status}, {rows} rows")
print(cookie)
