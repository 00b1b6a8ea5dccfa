#!/bin/bash
# Behaviour-unchanged check for a refactor of fault deviations: runs each named deviation against
# two checkouts at the same time (both built: dist/), retries once, and prints "same" or "DIFF"
# per deviation with the ids of the scenarios that failed or errored on either side.
#   scripts/compare-deviation-failures.sh BASE_CHECKOUT NEW_CHECKOUT OUTDIR DEVIATION...
# The data-plane (dm-*) and rate scenarios time out on a heavily loaded machine on both sides:
# re-run a DIFF on its own before reading it as a change.
set -u
BASE=$1; NEW=$2; OUT=$3; shift 3
mkdir -p "$OUT/base" "$OUT/new"
one() {
  (cd "$1" && node bin/mqtt-harness.js run --deviation "$3" --retries 1 --quiet --reporter json --out "$OUT/$2/r-$3" >/dev/null 2>&1)
  node -e "const r=require(process.argv[1]); console.log(r.scenarios.filter(s=>s.status==='failed'||s.status==='errored').map(s=>s.id+' '+s.status).sort().join('\n'))" "$OUT/$2/r-$3/report.json" > "$OUT/$2/$3.txt"
}
for d in "$@"; do
  one "$BASE" base "$d" & one "$NEW" new "$d" & wait
  if diff -q "$OUT/base/$d.txt" "$OUT/new/$d.txt" >/dev/null; then echo "same $d"; else echo "DIFF $d"; diff "$OUT/base/$d.txt" "$OUT/new/$d.txt"; fi
done
