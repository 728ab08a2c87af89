#!/bin/sh
# `make run`: starts guanxi on an embedded SQLite file; on the first run it
# creates the database, a demo company and an administrator whose generated
# password is shown once.
set -eu
cd "$(dirname "$0")/.."
BIN=build/release/guanxi
DB=${GUANXI_DB:-guanxi.db}
LISTEN=${GUANXI_LISTEN:-127.0.0.1:8080}
if [ ! -s "$DB" ]; then
  echo "guanxi: first run — creating $DB with a demo company"
  "$BIN" init --db "$DB" --generate-password --tenant-name "示例贸易有限公司"
  echo "Demo staff (passwords shown once):"
  "$BIN" demo --db "$DB"
  echo
else
  echo "guanxi: using $DB (forgot the admin password? $BIN user passwd admin --db $DB)"
fi
echo "guanxi: open http://$LISTEN and log in as 'admin' (API: POST /api/v1/auth/login). Ctrl-C stops it."
exec "$BIN" serve --db "$DB" --listen "$LISTEN"
