#!/bin/sh
# Style checks: banned functions (use the bounded or re-entrant versions) and
# no machine paths in the repository.
set -u
cd "$(dirname "$0")/.."
status=0
banned='(^|[^a-z_])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets|gmtime|localtime)[[:space:]]*\('
dirs=$(for d in src tests/unit fuzz bench; do [ -d "$d" ] && echo "$d"; done)
# shellcheck disable=SC2086
if grep -rnE "$banned" $dirs --include='*.c' --include='*.h'; then
  echo "style: banned function used (see STYLE.md)"; status=1
fi
if git ls-files | xargs grep -lE '/work/|/home/[a-z]' 2>/dev/null | grep -v '^scripts/style.sh$'; then
  echo "style: a machine path is named in the repository"; status=1
fi
[ $status -eq 0 ] && echo "style: ok"
exit $status
