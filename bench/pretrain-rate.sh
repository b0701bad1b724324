#!/bin/bash
# Sourced (`. bench/pretrain-rate.sh`), defines pretrain_rate: end-to-end training images/s, data
# loading included. It runs a pretrain command for 45 steps in the background and times its 10th
# to 40th logged step by the wall clock (JIT and kernel compilation fall before the 10th), then
# prints the rate (stdout) and the mean time those steps waited for data (stderr); the command's output goes to DIR.log.
# usage: pretrain_rate BATCH DIR <command that runs `densedino pretrain` with every flag but --output-dir>
pretrain_rate() {
  local batch=$1 dir=$2; shift 2
  "$@" --output-dir "$dir" --max-steps 45 --checkpoint-every 1000000 > "$dir.log" 2>&1 &
  local pid=$! t10= t40= n
  while kill -0 $pid 2>/dev/null; do
    n=$(cat "$dir/log.jsonl" 2>/dev/null | wc -l)
    [ -z "$t10" ] && [ "$n" -ge 10 ] && t10=$(date +%s.%N)
    [ -z "$t40" ] && [ "$n" -ge 40 ] && { t40=$(date +%s.%N); break; }
    sleep 0.2
  done
  wait $pid
  [ -n "$t40" ] || { tail -20 "$dir.log" >&2; return 1; }
  # the rate, and how long those steps waited for their batches (the loader keeping up or not)
  python3 - "$dir/log.jsonl" <<PY
import json, sys
waits = [json.loads(l).get("data_wait_seconds", 0) for l in open(sys.argv[1]).readlines()[10:40]]
print(f"{30 * $batch / ($t40 - $t10):.1f}")
print(f"{sys.argv[1]}: steps 11-40 waited {1e3 * sum(waits) / max(len(waits), 1):.0f} ms/step for data", file=sys.stderr)
PY
}
