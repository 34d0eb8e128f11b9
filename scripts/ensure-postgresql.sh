#!/usr/bin/env bash
# Before `npm test`: the production-shape test runs a throwaway PostgreSQL cluster with the machine's
# PostgreSQL server programs (initdb, postgres). Installs Debian's postgresql package with apt when they
# are missing and the machine allows (root, or sudo without a password); otherwise says what to run,
# and the test says it again (it is skipped outside CI and fails in CI).
set -uo pipefail
if command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "[postgresql] initdb is missing and this is not a Debian-like system: install PostgreSQL 12 or later with initdb on PATH" >&2
  exit 0
fi
if [ "$(id -u)" = 0 ]; then apt=(apt-get)
elif sudo -n true 2>/dev/null; then apt=(sudo -n apt-get)
else
  echo "[postgresql] PostgreSQL is missing: run 'sudo apt-get install -y postgresql' (the production-shape test needs it)" >&2
  exit 0
fi
echo "[postgresql] installing Debian's postgresql package for the production-shape test" >&2
export DEBIAN_FRONTEND=noninteractive
"${apt[@]}" install -y -q postgresql >&2 || { "${apt[@]}" update -q >&2 && "${apt[@]}" install -y -q postgresql >&2; }
exit 0
