#!/bin/sh
# Entry point of one pod of the load Job (deploy/kubernetes/load-job.yaml): an
# Indexed Job runs it in every pod with JOB_COMPLETION_INDEX = 0..SHARDS-1.
#
# Every pod runs its own shard of the scenario (`load --shard i/SHARDS`) and
# writes its report to the shared volume, under $REPORTS/$RUN_ID/shard-<i>/.
# All shards begin their first stage at one absolute time: START_AT if set
# (ISO time or epoch ms), else the time pod 0 publishes in
# $REPORTS/$RUN_ID/start-at (its own start + START_DELAY seconds), so the
# shards' per-second schedules line up however late each pod was scheduled.
# Pod 0 then waits for every shard's report, merges them (load-merge) into
# $REPORTS/$RUN_ID/merged/ and exits with the merged verdict: 0 passed,
# 1 books unbalanced, 4 thresholds failed, 5 a shard wrote no report in time.
# The other pods exit 0 once their report is written (their own slice's
# verdict is not the run's), or with the harness's code when their shard
# could not run (2 invalid input, 3 target unreachable, 70 internal error).
#
# Environment (the Job sets it; see the manifest):
#   JOB_COMPLETION_INDEX  this pod's index (Kubernetes sets it)
#   SHARDS                number of pods (= the Job's completions and parallelism)
#   SCENARIO              load scenario file (mounted from a ConfigMap)
#   TARGET                target file, or "bundled"
#   REPORTS               the shared volume's mount path
#   RUN_ID                one id for the whole run (the Job's name)
#   START_AT              optional absolute start time; START_DELAY (default 60) otherwise
#   PROMETHEUS            optional [host:]port for live metrics (0.0.0.0:9464 in a pod)
#   WAIT_TIMEOUT          seconds pod 0 and the others wait for start-at / reports (default 900)
#   LOAD_ARGS             optional extra arguments for `load` (e.g. --duration-scale 0.1)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
hx() { node "$here/../bin/mqtt-harness.js" "$@"; }

: "${JOB_COMPLETION_INDEX:?the Indexed Job sets JOB_COMPLETION_INDEX}"
: "${SHARDS:?set SHARDS to the Job's completions}"
: "${SCENARIO:?set SCENARIO to the load scenario file}"
: "${REPORTS:?set REPORTS to the shared volume path}"
: "${RUN_ID:?set RUN_ID (the Job name)}"
TARGET=${TARGET:-bundled}
START_DELAY=${START_DELAY:-60}
WAIT_TIMEOUT=${WAIT_TIMEOUT:-900}
i=$JOB_COMPLETION_INDEX
run_dir="$REPORTS/$RUN_ID"
mkdir -p "$run_dir/shard-$i"

say() { echo "load-pod $((i + 1))/$SHARDS: $*" >&2; }

# Wait for a file on the shared volume, at most WAIT_TIMEOUT seconds.
wait_for() {
  waited=0
  while [ ! -e "$1" ]; do
    if [ "$waited" -ge "$WAIT_TIMEOUT" ]; then return 1; fi
    sleep 1
    waited=$((waited + 1))
  done
}

if [ -z "${START_AT:-}" ]; then
  if [ "$i" -eq 0 ] && [ ! -e "$run_dir/start-at" ]; then
    echo $(( ($(date +%s) + START_DELAY) * 1000 )) > "$run_dir/start-at.tmp"
    mv "$run_dir/start-at.tmp" "$run_dir/start-at"
  fi
  wait_for "$run_dir/start-at" || { say "no start time from pod 1 in $run_dir/start-at after ${WAIT_TIMEOUT}s"; exit 5; }
  START_AT=$(cat "$run_dir/start-at")
fi
say "run $RUN_ID, start at $START_AT"

set -- load "$SCENARIO" --target "$TARGET" --shard "$((i + 1))/$SHARDS" --run-id "$RUN_ID" \
  --start-at "$START_AT" --stop-file "$run_dir/stop.json" --out "$run_dir/shard-$i" --no-progress
if [ -n "${PROMETHEUS:-}" ]; then set -- "$@" --prometheus "$PROMETHEUS"; fi
# shellcheck disable=SC2086 # LOAD_ARGS is a list of words on purpose
set -- "$@" ${LOAD_ARGS:-}

code=0
hx "$@" || code=$?
case "$code" in
  0|1|4) touch "$run_dir/shard-$i/DONE" ;;
  *) echo "$code" > "$run_dir/shard-$i/FAILED"; say "shard could not run (exit $code)"; exit "$code" ;;
esac
if [ "$i" -ne 0 ]; then exit 0; fi

# Pod 0: the merge step.
reports=""
k=0
while [ "$k" -lt "$SHARDS" ]; do
  waited=0
  while [ ! -e "$run_dir/shard-$k/DONE" ]; do
    if [ -e "$run_dir/shard-$k/FAILED" ]; then say "shard $((k + 1)) failed (exit $(cat "$run_dir/shard-$k/FAILED")): no merged verdict"; exit 5; fi
    if [ "$waited" -ge "$WAIT_TIMEOUT" ]; then say "shard $((k + 1)) wrote no report in ${WAIT_TIMEOUT}s"; exit 5; fi
    sleep 1
    waited=$((waited + 1))
  done
  reports="$reports $run_dir/shard-$k/load-report.json"
  k=$((k + 1))
done
# shellcheck disable=SC2086 # one word per report file
hx load-merge $reports --out "$run_dir/merged"
