#!/usr/bin/env bash
# Tests of e2e/lib/daemons.sh without a cluster: a pidfile whose pid now belongs to another
# process (after a reboot or container restart, /run keeps the files and pids are reused) must
# read as "not running", so `e2e/cluster up` starts the daemon instead of waiting for it, and
# `e2e/cluster down` must never signal that other process.
# Each check is a string `check` evals later, so its $(...) must not expand when it is written.
# shellcheck disable=SC2016
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="$(mktemp -d)"; LOGS="$RUN/logs"; mkdir -p "$LOGS"
log() { :; }
die() { echo "die: $*" >&2; exit 1; }
# shellcheck source=e2e/lib/daemons.sh
. "$HERE/daemons.sh"
foreign=""
cleanup() {
  [[ -n $foreign ]] && kill "$foreign" 2>/dev/null; stop sleeper 2>/dev/null
  for m in "$RUN"/docker-exec/netns/*; do if mountpoint -q "$m" 2>/dev/null; then umount "$m"; fi; done
  rm -rf "$RUN"
}
trap cleanup EXIT
fails=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi; }

start sleeper sleep 300
check "a started daemon runs" 'running sleeper'
check "its pid is recorded" '[[ $(pid_of sleeper) =~ ^[0-9]+$ ]] && kill -0 "$(pid_of sleeper)"'
check "starting it again keeps the same process" 'p=$(pid_of sleeper); start sleeper sleep 300; [[ $(pid_of sleeper) == "$p" ]]'
stop sleeper
check "a stopped daemon does not run" '! running sleeper'

# Another process holds the recorded pid: once in the old one-field format, once with a
# start time that is not this process's.
sleep 300 & foreign=$!
echo "$foreign" >"$(pidfile etcd)"
check "a pid-only pidfile of a live foreign process is stale" '! running etcd && [[ ! -e $(pidfile etcd) ]]'
echo "$foreign 1" >"$(pidfile etcd)"
check "a pidfile whose start time differs is stale" '! running etcd'
echo "$foreign" >"$(pidfile etcd)"
stop etcd
check "stop leaves the foreign process alone" 'kill -0 "$foreign"'
echo "999999999 1" >"$(pidfile etcd)"
check "a pidfile of a gone process is stale" '! running etcd'
start etcd sleep 300
check "start runs the daemon over a stale pidfile" 'running etcd && [[ $(pid_of etcd) != "$foreign" ]]'
stop etcd

# A daemon started while the caller holds a lock (`flock /tmp/todo-e2e.lock e2e/cluster up`)
# must not keep that lock for its whole life.
exec 9>"$RUN/lock"; flock 9
start locker sleep 300
check "a daemon does not inherit the caller's other files" \
  '! ls -l /proc/"$(pid_of locker)"/fd 2>/dev/null | grep -q "$RUN/lock"'
check "the caller's lock is free once the caller lets go" 'exec 9>&-; flock -n "$RUN/lock" true'
stop locker

# Network namespaces a stopped dockerd left bind-mounted in its exec root: one live (a
# persistent namespace with an interface of its own) and one plain file.
netns="$RUN/docker-exec/netns"; mkdir -p "$netns"
touch "$netns/leaked" "$netns/plain"
unshare --net="$netns/leaked" true
nsenter --net="$netns/leaked" ip link add e2e-leak type veth peer name e2e-peer
check "a leaked namespace is mounted and holds its interface" \
  'mountpoint -q "$netns/leaked" && nsenter --net="$netns/leaked" ip link show e2e-leak >/dev/null'
release_stale_netns
check "release_stale_netns unmounts it and clears the directory" \
  '! mountpoint -q "$netns/leaked" 2>/dev/null && [[ -z $(ls -A "$netns") ]]'

((fails == 0)) || { echo "$fails failed"; exit 1; }
echo "daemons.sh: all passed"
