#!/usr/bin/env bash
# PostgreSQL 15 server binaries for the store tests: crates/test-postgres starts one
# throwaway server per test process from /usr/lib/postgresql/15/bin (initdb, postgres,
# psql). Only the binaries are wanted; no cluster is created or started here.
# Idempotent: a no-op when the binaries are already there.
set -euo pipefail

bin_dir=/usr/lib/postgresql/15/bin
if [ -x "$bin_dir/initdb" ] && [ -x "$bin_dir/postgres" ] && [ -x "$bin_dir/psql" ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "postgres.sh: PostgreSQL 15 binaries missing in $bin_dir and not root; run this script as root" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Tell postgresql-common not to create (and start) a default cluster on install.
mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/10-todo-no-main-cluster.conf

echo "postgres.sh: installing postgresql-15 (server binaries for the store tests)"
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql-15 postgresql-client-15 >/dev/null

for program in initdb postgres psql; do
  if [ ! -x "$bin_dir/$program" ]; then
    echo "postgres.sh: $bin_dir/$program still missing after installing postgresql-15" >&2
    exit 1
  fi
done
echo "postgres.sh: PostgreSQL $("$bin_dir/postgres" --version | awk '{print $3}') ready in $bin_dir"
