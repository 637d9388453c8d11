"""Creates the benchmark user and its tasks over one keep-alive connection.

Usage: api_setup.py PORT TASKS  -> prints "USER_ID TOKEN"
"""
import http.client
import json
import sys

port, count = int(sys.argv[1]), int(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def call(method, path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, json.dumps(body), headers)
    reply = conn.getresponse()
    data = reply.read()
    if reply.status >= 300:
        sys.exit(f"{method} {path}: {reply.status} {data[:200]!r}")
    return json.loads(data)


auth = call("POST", "/api/auth/signup", {"email": "bench@example.com", "password": "bench password", "name": "Bench"})
user, token = auth["user_id"], auth["token"]
priorities = ["low", "medium", "high"]
for i in range(count):
    call("POST", f"/api/{user}/tasks", {
        "title": f"Task number {i}",
        "description": f"Benchmark task {i} with a short description",
        "priority": priorities[i % 3],
        "tags": ["bench", f"group{i % 10}"],
    }, token)
print(user, token)
