#!/bin/sh
# Builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS
# (default 60; `make fuzz`). FUZZ_SECONDS=5 is the short smoke run of make test.
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
out=build/fuzz
mkdir -p "$out"
CFLAGS="-std=c17 -D_GNU_SOURCE -DGX_VERSION=\"$(cat VERSION)\" -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -Isrc -Ibuild/gen $(pkg-config --cflags jansson libsodium sqlite3 icu-uc opencc libmicrohttpd libpq)"
LIBS="$(pkg-config --libs jansson libsodium sqlite3 icu-uc icu-i18n opencc libmicrohttpd libcurl xlsxwriter libical libpq) -lcsv -lm -lpthread"
# every module but main(): the fuzz targets call into any layer
[ -f build/gen/migrations.c ] && [ -f build/gen/t2s_phrases.c ] || make -s MODE=asan build/gen/migrations.c build/gen/assets.c build/gen/t2s_phrases.c
SRCS="$(ls src/*/*.c) build/gen/migrations.c build/gen/assets.c build/gen/t2s_phrases.c"
mkdir -p "$out/obj"
objs=""
for f in $SRCS; do
  o="$out/obj/$(echo "$f" | tr '/' '_' | sed 's/\.c$/.o/')"
  # compiled once per change, with the fuzzer's instrumentation
  if [ ! -f "$o" ] || [ "$f" -nt "$o" ]; then
    # shellcheck disable=SC2086
    clang $CFLAGS -fsanitize=fuzzer-no-link -c "$f" -o "$o" || exit 1
  fi
  objs="$objs $o"
done
status=0
for src in ${FUZZ_TARGETS:-fuzz/fuzz_*.c}; do
  name=$(basename "$src" .c)
  # shellcheck disable=SC2086
  clang $CFLAGS -fsanitize=fuzzer "$src" $objs $LIBS -o "$out/$name" || { status=1; continue; }
  corpus="fuzz/corpus/${name#fuzz_}"
  work="$out/corpus-${name#fuzz_}"
  mkdir -p "$work"
  [ -d "$corpus" ] && cp -n "$corpus"/* "$work"/ 2>/dev/null || true
  # real files written by other products seed the parsers (read from the
  # shared data beside the project, never copied into the repository)
  interop="${GX_SHARED_DATA:-../shared/data}/interop"
  case "$name" in
    fuzz_csv) [ -d "$interop/salesforce" ] && cp -n "$interop"/salesforce/* "$work"/ 2>/dev/null || true ;;
    fuzz_vcard) [ -d "$interop/vcard" ] && cp -n "$interop"/vcard/* "$work"/ 2>/dev/null || true ;;
  esac
  echo "== $name for ${secs}s"
  if ! "$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work" > "$out/$name.log" 2>&1; then
    echo "FAIL $name: see $out/$name.log"; tail -30 "$out/$name.log"; status=1
  else
    grep -E "stat::number_of_executed_units|Done" "$out/$name.log" | head -2
  fi
done
exit $status
