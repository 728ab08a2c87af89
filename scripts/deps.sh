#!/bin/sh
# Installs the Debian packages guanxi needs to build, run and test; idempotent.
# Usage: scripts/deps.sh [run|test]   (test adds the servers and browser the tests use)
set -eu
mode=${1:-run}
pkgs="build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3
libsodium-dev libcurl4-openssl-dev libcsv-dev libxlsxwriter-dev libical-dev libicu-dev
libopencc-dev opencc libpq-dev libjemalloc-dev"
# node and npm may come from another packaging of Node.js (it bundles npm)
command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"
command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"
if [ "$mode" = test ]; then
  pkgs="$pkgs clang libclang-rt-14-dev postgresql postgresql-contrib nginx-light wrk chromium fonts-noto-cjk"
fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "guanxi: installing missing Debian packages:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
