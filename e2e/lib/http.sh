# shellcheck shell=bash
# HTTP helpers for e2e/run: the app smoke test and bounded load loops.
# Every URL here is a ClusterIP of the test cluster or the node's docker0 address.

CURL=(curl -sS --max-time 10 --noproxy '*')

# json_field JSON KEY — the scalar value of KEY (string or number), first occurrence
json_field() {
  sed -n "s/.*\"$2\"[[:space:]]*:[[:space:]]*\"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" <<<"$1" | head -1
}

# app_smoke NS FRONTEND_SVC BACKEND_SVC LABEL
#  backend: /health and /ready, sign up, add a task through the chat agent, list it, no token
#  -> 401, another user's token -> 403; frontend: its NodePort answers, sign up and add a task
#  by chat through the web pages.
# Leaves $OUT/session-NS.env (URLs, token, user id, cookie jar) for the load tests.
app_smoke() {
  local ns=$1 fe_svc=$2 be_svc=$3 label=$4
  local be fe code body
  be="$(svc_url "$ns" "$be_svc")"
  fe="$(nodeport_url "$ns" "$fe_svc")"
  note "backend $be (ClusterIP), frontend $fe (NodePort)"
  for p in /health /ready; do
    code="$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$be$p")"
    [[ $code == 200 ]] || { note "GET $p -> $code"; return 1; }
  done
  local email="$label-$RANDOM$RANDOM@example.com" pw="e2e-Passw0rd-$RANDOM"
  body="$("${CURL[@]}" -w '\n%{http_code}' -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$pw\",\"name\":\"E2E $label\"}" "$be/api/auth/signup")"
  code="${body##*$'\n'}"; body="${body%$'\n'*}"
  [[ $code == 200 || $code == 201 ]] || { note "signup -> $code $body"; return 1; }
  local token uid
  token="$(json_field "$body" token)"; uid="$(json_field "$body" user_id)"
  [[ -n $token && -n $uid ]] || { note "signup answer without token/user_id: $body"; return 1; }
  note "signed up $email (user $uid) through the backend API"
  local auth=(-H "authorization: Bearer $token")
  body="$("${CURL[@]}" -w '\n%{http_code}' "${auth[@]}" -H 'content-type: application/json' \
    -d '{"message":"Add a task to buy groceries"}' "$be/api/$uid/chat")"
  code="${body##*$'\n'}"; body="${body%$'\n'*}"
  # the chat endpoint is part of the product: anything but a success fails the test
  [[ $code == 200 || $code == 201 ]] || { note "chat -> $code $body"; return 1; }
  note "chat: $(json_field "$body" response)"
  body="$("${CURL[@]}" "${auth[@]}" "$be/api/$uid/tasks")"
  grep -qi 'buy groceries' <<<"$body" || { note "task not listed: $body"; return 1; }
  note "task listed: buy groceries"
  # no token at all: 401
  code="$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$be/api/$uid/tasks")"
  [[ $code == 401 ]] || { note "tasks without a token -> $code (want 401)"; return 1; }
  # another user's valid token on this user's tasks: 403, and nothing of the task leaks
  body="$("${CURL[@]}" -w '\n%{http_code}' -H 'content-type: application/json' \
    -d "{\"email\":\"other-$email\",\"password\":\"$pw\",\"name\":\"E2E other\"}" "$be/api/auth/signup")"
  code="${body##*$'\n'}"; body="${body%$'\n'*}"
  [[ $code == 200 || $code == 201 ]] || { note "second signup -> $code $body"; return 1; }
  local other_token; other_token="$(json_field "$body" token)"
  [[ -n $other_token && $other_token != "$token" ]] || { note "second signup gave no distinct token"; return 1; }
  body="$("${CURL[@]}" -w '\n%{http_code}' -H "authorization: Bearer $other_token" "$be/api/$uid/tasks")"
  code="${body##*$'\n'}"; body="${body%$'\n'*}"
  [[ $code == 403 ]] || { note "another user's token on these tasks -> $code (want 403)"; return 1; }
  if grep -qi 'buy groceries' <<<"$body"; then note "another user's token saw the task: $body"; return 1; fi
  note "no token -> 401, another user's token -> 403"

  local jar="$OUT/cookies-$ns.txt"
  rm -f "$jar"
  code="$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$fe/")"
  [[ $code =~ ^[23] ]] || { note "frontend GET / -> $code"; return 1; }
  note "frontend GET / -> $code"
  # the frontend reaches the backend by its Service name (a new name is in the cluster DNS
  # within a second or two): /readyz says so
  local i
  for i in $(seq 1 30); do
    code="$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$fe/readyz")"
    [[ $code == 200 ]] && break
    sleep 1
  done
  note "frontend /readyz -> $code after $i s"
  [[ $code == 200 ]] || return 1
  web_signup_and_chat "$fe" "$label" "$jar" || return 1
  cat >"$OUT/session-$ns.env" <<EOF
FE_URL=$fe
BE_URL=$be
TOKEN=$token
USER_ID=$uid
COOKIE_JAR=$jar
EOF
}

# Through the web pages: sign up, then ask the chat to add a task, then see it on the page.
# The pages are server-rendered forms; e2e/lib/webform.py fills and submits them.
web_signup_and_chat() {
  local fe=$1 label=$2 jar=$3
  local email="web-$label-$RANDOM$RANDOM@example.com" pw="e2e-Passw0rd-$RANDOM"
  python3 "$HERE/lib/webform.py" --base "$fe" --jar "$jar" \
    signup "$email" "$pw" "E2E web $label" \
    chat "Add a task to buy milk" \
    expect "buy milk" || return 1
  note "web: signed up $email, chat added 'buy milk', the task page shows it"
}

# ------------------------------------------------------------------ bounded load loops
# load_start NS MAX_SECONDS MAX_REQUESTS PREFIX — two workers in the background:
#   PREFIX.fe: GET /tasks with the session cookie through the frontend's NodePort (the frontend
#              renders it from the backend's answer); PREFIX.be: GET the user's task list from
#              the backend API through its ClusterIP.
# Each line: "<epoch seconds> <http code> <client retries>". A worker is a well-behaved client:
# a GET whose connection failed (no HTTP answer at all, curl code 000) is safe to send again,
# and it does so within a bounded budget (LOAD_RETRY_ATTEMPTS within LOAD_RETRY_SECONDS);
# every HTTP answer, 5xx included, is final and counted as it came. They stop at PREFIX.stop,
# MAX_SECONDS or MAX_REQUESTS, whichever comes first.
LOAD_PIDS=()
LOAD_RETRY_ATTEMPTS=10
LOAD_RETRY_SECONDS=4
load_start() {
  local ns=$1 max_s=$2 max_n=$3 prefix=$4
  # shellcheck disable=SC1090
  . "$OUT/session-$ns.env"
  rm -f "$prefix".*
  _load_worker "$prefix.fe" "$max_s" "$max_n" "$prefix.stop" -b "$COOKIE_JAR" "$FE_URL/tasks" &
  LOAD_PIDS=($!)
  _load_worker "$prefix.be" "$max_s" "$max_n" "$prefix.stop" -H "authorization: Bearer $TOKEN" "$BE_URL/api/$USER_ID/tasks" &
  LOAD_PIDS+=($!)
  LOAD_PREFIX=$prefix
}

_load_worker() {
  local out=$1 max_s=$2 max_n=$3 stop=$4; shift 4
  local end=$((SECONDS + max_s)) n=0 code retries t0
  : >"$out"
  while [[ ! -e $stop ]] && ((SECONDS < end && n < max_n)); do
    retries=0; t0=$EPOCHREALTIME
    while true; do
      code="$(curl -s --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' "$@")"
      [[ $code == 000 ]] || break
      ((retries + 1 < LOAD_RETRY_ATTEMPTS)) || break
      awk -v a="$t0" -v b="$EPOCHREALTIME" -v l="$LOAD_RETRY_SECONDS" 'BEGIN{exit !(b - a < l)}' || break
      retries=$((retries + 1)); sleep 0.05
    done
    printf '%s %s %s\n' "$t0" "$code" "$retries" >>"$out"
    n=$((n + 1))
  done
}

load_stop() {
  touch "$LOAD_PREFIX.stop"
  local p; for p in "${LOAD_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  LOAD_PIDS=()
}

# load_report PREFIX MAX_FAILED — per worker: requests, failures (not 2xx/3xx), codes; fails
# when a worker had more than MAX_FAILED failures (-1: no limit, but >= 90% must succeed)
load_report() {
  local prefix=$1 max=$2 rc=0 f
  for f in "$prefix.fe" "$prefix.be"; do
    local total failed span codes retried
    total="$(wc -l <"$f")"
    failed="$(awk '$2 !~ /^[23]/' "$f" | wc -l)"
    span="$(awk 'NR==1{a=$1} {b=$1} END{printf "%.1f", b-a}' "$f")"
    codes="$(awk '{c[$2]++} END{for (k in c) printf "%s:%d ", k, c[k]}' "$f")"
    retried="$(awk '$3 > 0' "$f" | wc -l)"
    note "$(basename "$f"): $total requests in ${span}s, $failed failed, $retried resent by the client after a broken connection (codes $codes)"
    ((total > 0)) || rc=1
    if ((max >= 0)); then ((failed <= max)) || rc=1
    else ((failed * 10 <= total)) || rc=1; fi
  done
  return $rc
}

# load_max_gap PREFIX SECONDS — no worker went longer than SECONDS without a success
load_max_gap() {
  local prefix=$1 lim=$2 rc=0 f gap
  for f in "$prefix.fe" "$prefix.be"; do
    gap="$(awk '$2 ~ /^[23]/ { if (p != "" && $1 - p > g) g = $1 - p; p = $1 } END { printf "%.2f", g }' "$f")"
    note "$(basename "$f"): longest time without a successful answer ${gap}s"
    awk -v g="$gap" -v l="$lim" 'BEGIN{exit !(g <= l)}' || rc=1
  done
  return $rc
}

load_json() {  # PREFIX — {"requests":..,"failed":..} over both workers, or null
  local prefix=$1
  [[ -s $prefix.fe || -s $prefix.be ]] || { echo null; return; }
  cat "$prefix.fe" "$prefix.be" 2>/dev/null | awk '{n++; if ($2 !~ /^[23]/) f++; if ($3 > 0) { r++; a += $3 }} END{printf "{\"requests\": %d, \"failed\": %d, \"client_resent\": %d, \"client_resends\": %d}", n, f, r, a}'
}

# app_check_shared_data NS BACKEND_SVC — every backend pod, asked directly, lists the task the
# smoke test made (they share one database).
app_check_shared_data() {
  local ns=$1 svc=$2 ip port n=0
  # shellcheck disable=SC1090
  . "$OUT/session-$ns.env"
  port="$(kubectl -n "$ns" get svc "$svc" -o jsonpath='{.spec.ports[0].targetPort}')"
  [[ $port =~ ^[0-9]+$ ]] || port=8000
  for ip in $(kubectl -n "$ns" get pods -l app.kubernetes.io/component=backend \
      --field-selector=status.phase=Running -o jsonpath='{range .items[*]}{.status.podIP}{" "}{end}'); do
    if "${CURL[@]}" -H "authorization: Bearer $TOKEN" "http://$ip:$port/api/$USER_ID/tasks" | grep -qi 'buy groceries'; then
      note "pod $ip lists the task"; n=$((n + 1))
    else
      note "pod $ip does not list the task"; return 1
    fi
  done
  ((n >= 1))
}
