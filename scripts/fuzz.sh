#!/bin/sh
# Builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS
# (default 60; `make fuzz`). FUZZ_SECONDS=5 is the short smoke run of make test.
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
out=build/fuzz
mkdir -p "$out"
CFLAGS="-std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -Ibuild/gen $(pkg-config --cflags jansson libsodium sqlite3 icu-uc opencc)"
LIBS="$(pkg-config --libs jansson libsodium sqlite3 icu-uc icu-i18n opencc libmicrohttpd) -lcsv -lm -lpthread"
status=0
for src in ${FUZZ_TARGETS:-fuzz/fuzz_*.c}; do
  name=$(basename "$src" .c)
  case "$name" in
    fuzz_request_body) deps="src/core/utf8.c src/core/err.c src/core/arena.c src/core/buf.c src/core/time.c src/core/id.c src/core/log.c src/entity/entity.c src/entity/list.c src/crm/user.c src/crm/perm.c src/crm/auth.c src/store/store.c src/store/sqlite.c" ;;
    fuzz_csv|fuzz_vcard) deps="$(ls src/io/*.c) src/core/err.c src/core/utf8.c src/core/buf.c" ;;
    *) deps="" ;;
  esac
  # shellcheck disable=SC2086
  clang $CFLAGS "$src" $deps $LIBS -o "$out/$name"
  corpus="fuzz/corpus/${name#fuzz_}"
  work="$out/corpus-${name#fuzz_}"
  mkdir -p "$work"
  [ -d "$corpus" ] && cp -n "$corpus"/* "$work"/ 2>/dev/null || true
  echo "== $name for ${secs}s"
  if ! "$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work" > "$out/$name.log" 2>&1; then
    echo "FAIL $name: see $out/$name.log"; tail -30 "$out/$name.log"; status=1
  else
    grep -E "stat::number_of_executed_units|Done" "$out/$name.log" | head -2
  fi
done
exit $status
