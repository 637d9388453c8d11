# shellcheck shell=bash
# HTTP helpers for e2e/run: the app smoke test and bounded load loops.
# Every URL here is a ClusterIP of the test cluster or the node's docker0 address.

CURL=(curl -sS --max-time 10 --noproxy '*')

# json_field JSON KEY — the scalar value of KEY (string or number), first occurrence
json_field() {
  sed -n "s/.*\"$2\"[[:space:]]*:[[:space:]]*\"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" <<<"$1" | head -1
}

todo_has_subcommand() {  # the image's todo binary lists SUBCOMMAND in --help
  docker run --rm --entrypoint /usr/local/bin/todo "$APP_IMAGE" --help 2>/dev/null \
    | grep -Eq "^[[:space:]]+$1([[:space:]]|$)"
}

# app_smoke NS FRONTEND_SVC BACKEND_SVC LABEL
#  backend: /health and /ready, sign up, add a task through the chat agent (or the task API
#  while chat does not exist), list it; frontend: its NodePort answers, and when `todo web`
#  exists, sign up and add a task by chat through the web pages.
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
  if [[ $code == 200 || $code == 201 ]]; then
    note "chat: $(json_field "$body" response)"
  elif [[ $code == 404 || $code == 405 ]]; then
    note "chat endpoint not there yet ($code): adding the task through the task API"
    code="$("${CURL[@]}" -o /dev/null -w '%{http_code}' "${auth[@]}" -H 'content-type: application/json' \
      -d '{"title":"Buy groceries"}' "$be/api/$uid/tasks")"
    [[ $code == 201 || $code == 200 ]] || { note "create task -> $code"; return 1; }
  else
    note "chat -> $code $body"; return 1
  fi
  body="$("${CURL[@]}" "${auth[@]}" "$be/api/$uid/tasks")"
  grep -qi 'buy groceries' <<<"$body" || { note "task not listed: $body"; return 1; }
  note "task listed: buy groceries"
  # another user's token is refused on this user's tasks
  code="$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$be/api/$uid/tasks")"
  [[ $code == 401 ]] || { note "tasks without a token -> $code (want 401)"; return 1; }

  local jar="$OUT/cookies-$ns.txt" web=0
  rm -f "$jar"
  code="$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$fe/")"
  [[ $code =~ ^[23] ]] || { note "frontend GET / -> $code"; return 1; }
  note "frontend GET / -> $code"
  if todo_has_subcommand web; then
    # the frontend reaches the backend by its Service name (a new name is in the cluster DNS
    # within a second or two): /readyz says so
    local i
    for i in $(seq 1 30); do
      code="$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$fe/readyz")"
      [[ $code == 200 ]] && break
      sleep 1
    done
    note "frontend /readyz -> $code after $i s"
    web_signup_and_chat "$fe" "$label" "$jar" || return 1
    web=1
  else
    note "no 'todo web' yet: the web sign-up/chat part is skipped"
  fi
  cat >"$OUT/session-$ns.env" <<EOF
FE_URL=$fe
BE_URL=$be
TOKEN=$token
USER_ID=$uid
COOKIE_JAR=$jar
WEB=$web
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
#   PREFIX.fe: GET the frontend (/tasks with the session cookie when the web flow ran, which
#              the frontend renders from the backend's answer; else /) through its NodePort; PREFIX.be: GET the user's task list from the
#              backend API through its ClusterIP.
# Each line: "<epoch seconds> <http code>". They stop at PREFIX.stop, MAX_SECONDS or
# MAX_REQUESTS, whichever comes first.
LOAD_PIDS=()
load_start() {
  local ns=$1 max_s=$2 max_n=$3 prefix=$4
  # shellcheck disable=SC1090
  . "$OUT/session-$ns.env"
  rm -f "$prefix".*
  # with a session: the task page, which the frontend renders from the backend's answer
  local fe_args=() fe_path=/
  [[ $WEB == 1 ]] && { fe_args=(-b "$COOKIE_JAR"); fe_path=/tasks; }
  _load_worker "$prefix.fe" "$max_s" "$max_n" "$prefix.stop" "${fe_args[@]}" "$FE_URL$fe_path" &
  LOAD_PIDS=($!)
  _load_worker "$prefix.be" "$max_s" "$max_n" "$prefix.stop" -H "authorization: Bearer $TOKEN" "$BE_URL/api/$USER_ID/tasks" &
  LOAD_PIDS+=($!)
  LOAD_PREFIX=$prefix
}

_load_worker() {
  local out=$1 max_s=$2 max_n=$3 stop=$4; shift 4
  local end=$((SECONDS + max_s)) n=0 code
  : >"$out"
  while [[ ! -e $stop ]] && ((SECONDS < end && n < max_n)); do
    code="$(curl -s --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' "$@")"
    printf '%s %s\n' "$EPOCHREALTIME" "$code" >>"$out"
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
    local total failed span codes
    total="$(wc -l <"$f")"
    failed="$(awk '$2 !~ /^[23]/' "$f" | wc -l)"
    span="$(awk 'NR==1{a=$1} {b=$1} END{printf "%.1f", b-a}' "$f")"
    codes="$(awk '{c[$2]++} END{for (k in c) printf "%s:%d ", k, c[k]}' "$f")"
    note "$(basename "$f"): $total requests in ${span}s, $failed failed (codes $codes)"
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
  cat "$prefix.fe" "$prefix.be" 2>/dev/null | awk '{n++; if ($2 !~ /^[23]/) f++} END{printf "{\"requests\": %d, \"failed\": %d}", n, f}'
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
