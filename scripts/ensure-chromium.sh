#!/usr/bin/env bash
# Before `npm test`: the Web UI browser test drives Debian's Chromium at /usr/bin/chromium. Installs it
# with apt when it is missing and the machine allows (root, or sudo without a password); otherwise
# says what to run, and the browser test fails with the same advice.
set -uo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "[chromium] /usr/bin/chromium is missing and this is not a Debian-like system: install Chromium there" >&2
  exit 0
fi
if [ "$(id -u)" = 0 ]; then apt=(apt-get)
elif sudo -n true 2>/dev/null; then apt=(sudo -n apt-get)
else
  echo "[chromium] /usr/bin/chromium is missing: run 'sudo apt-get install -y chromium' (the Web UI test needs it)" >&2
  exit 0
fi
echo "[chromium] installing Debian's chromium package for the Web UI browser test" >&2
export DEBIAN_FRONTEND=noninteractive
"${apt[@]}" install -y -q chromium >&2 || { "${apt[@]}" update -q >&2 && "${apt[@]}" install -y -q chromium >&2; }
exit 0
