# shellcheck shell=bash
# Daemons of the local cluster: start one in its own session, ask whether it runs, stop it,
# and release what a daemon that stopped uncleanly left mounted.
# Sourced by e2e/cluster (and by e2e/lib/daemons-test.sh); needs RUN (pidfile directory),
# LOGS (one NAME.log per daemon) and the `log` and `die` functions.

pidfile() { echo "$RUN/$1.pid"; }
# Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. /run can
# outlive a reboot or a container restart, and the pids in its files then belong to other
# processes: a pidfile holds "PID START" and names our daemon only while both still match.
proc_start() { local s f; s="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1; s="${s##*) }"; read -ra f <<<"$s"; echo "${f[19]}"; }
pid_of() { local f pid; f="$(pidfile "$1")"; [[ -s $f ]] && read -r pid _ <"$f" && echo "$pid"; }
running() {  # running NAME — the process NAME's pidfile recorded is still that process
  local f pid start now
  f="$(pidfile "$1")"
  [[ -s $f ]] || return 1
  read -r pid start <"$f" || return 1
  now="$(proc_start "$pid")" && [[ -n $start && $now == "$start" ]] && return 0
  rm -f "$f"  # stale: the process is gone, or its pid now belongs to another one
  return 1
}
# start NAME CMD... — run a daemon in its own session, logging to $LOGS/NAME.log
start() {
  local name=$1 pid; shift
  if running "$name"; then return; fi
  log "starting $name"
  # Only stdin/stdout/stderr go with it: a daemon that inherited the caller's other files
  # (a `flock` lock on /tmp/todo-e2e.lock, a test's pipe) would hold them as long as it lives.
  (
    for fd in "/proc/$BASHPID/fd/"*; do
      fd=${fd##*/}
      ((fd > 2)) && eval "exec $fd>&-"
    done
    exec setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null
  ) &
  pid=$!
  echo "$pid $(proc_start "$pid")" >"$(pidfile "$name")"
}
stop() {
  local name=$1 f pid
  f="$(pidfile "$name")"
  [[ -s $f ]] || return 0
  read -r pid _ <"$f"
  if running "$name"; then
    log "stopping $name ($pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# A dockerd that stopped without cleaning up (killed, or the machine's processes gone while
# /run stayed) leaves its containers' network namespaces bind-mounted under its exec root,
# each still holding a veth on docker0 with its old address. The next dockerd hands those
# addresses out again: two pods answer ARP for one IP and connections hang or are refused.
# With no dockerd of ours running none of them belongs to a live container: unmount them,
# which frees the namespace and its veth.
release_stale_netns() {
  local dir="$RUN/docker-exec/netns" ns released=0
  [[ -d $dir ]] || return 0
  for ns in "$dir"/*; do
    [[ -e $ns ]] || continue
    if mountpoint -q "$ns"; then
      umount "$ns" 2>/dev/null || umount -l "$ns" || die "cannot unmount the stale network namespace $ns"
      released=$((released + 1))
    fi
    rm -f "$ns"
  done
  ((released == 0)) || log "released $released network namespaces a stopped dockerd left mounted (their addresses were still on docker0)"
}
