#!/usr/bin/env bash
# Whole DenseDINO training steps: ours vs TorchSharp (libtorch + MKL) vs PyTorch 1.13 (OpenBLAS), run
# one after the other (never in parallel: the peers use the same cores). Settings as ../shared/peers:
# vit_tiny/16, 4 views, M = 4, float32, 2 threads; 224 px batch 8 with K = 65536, and 96 px batch 32
# with K = 4096. Prints each run's images/s, the ratios, and ends with one line
#   ratio ours/best-peer: 224px-b8 X, 96px-b32 Y
# The peers are copied to a scratch folder first (building writes next to their sources).
# Env: STEPS (timed steps, default 7), WARMUP (2), THREADS (2), PEERS (source folder), SCRATCH.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/peers}
SCRATCH=${SCRATCH:-/tmp/densedino-peers}
STEPS=${STEPS:-7}; WARMUP=${WARMUP:-2}; THREADS=${THREADS:-2}
RESULTS=${RESULTS:-bench/step-results.jsonl}

[ -d "$PEERS" ] || { echo "peers folder $PEERS not found" >&2; exit 1; }
rm -rf "$SCRATCH" && cp -r "$PEERS" "$SCRATCH" && rm -rf "$SCRATCH"/torchsharp/bin "$SCRATCH"/torchsharp/obj
echo "# building ours and the TorchSharp peer" >&2
dotnet build -c Release bench/DenseDino.Benchmarks >/dev/null || { echo "build of ours failed" >&2; exit 1; }
dotnet build -c Release "$SCRATCH/torchsharp/DenseDinoBench.csproj" >/dev/null || { echo "build of the TorchSharp peer failed" >&2; exit 1; }

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
# run NAME CMD...: runs a benchmark, keeps its JSON line, notes the CPU time other processes took meanwhile.
run() {
  local name=$1; shift
  local b0 b1 line; b0=$(busy)
  line=$(/usr/bin/time -f "%U %S %M" -o /tmp/densedino-peers.time "$@" 2>/dev/null | grep '^{' | tail -n 1) || true
  [ -n "$line" ] || { echo "run $name failed: $*" >&2; exit 1; }
  b1=$(busy)
  local other; other=$(awk -v b="$((b1 - b0))" '{printf "%.0f", b/100 - ($1+$2)}' /tmp/densedino-peers.time)
  echo "$line" >> "$RESULTS"
  local rss; rss=$(awk '{printf "%.0f", $3/1024}' /tmp/densedino-peers.time)
  echo "#   $name: other processes used ${other} cpu-s during the run; peak RSS ${rss} MB" >&2
  echo "$line" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["images_s"])'
}

echo "# $(date -u +%FT%TZ) $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores" | tee -a "$RESULTS" >&2
summary=()
SETTINGS=${SETTINGS:-"224 8 65536;96 32 4096"}   # "img batch K;..." (override for a smoke run)
IFS=";" read -r -a settings <<< "$SETTINGS"
for setting in "${settings[@]}"; do
  set -- $setting; img=$1; batch=$2; k=$3
  common=(--img "$img" --batch "$batch" --views 4 --m-ref 4 --out-dim "$k" --warmup "$WARMUP" --steps "$STEPS" --threads "$THREADS")
  ours=$(run "ours ${img}px b$batch" dotnet bench/DenseDino.Benchmarks/bin/Release/net10.0/DenseDino.Benchmarks.dll step "${common[@]}")
  ts=$(run "torchsharp ${img}px b$batch" dotnet "$SCRATCH/torchsharp/bin/Release/net10.0/DenseDinoBench.dll" bench "${common[@]}")
  pt=$(run "pytorch ${img}px b$batch" /usr/bin/python3 "$SCRATCH/pytorch/densedino_ref.py" bench "${common[@]}")
  ratios=$(/usr/bin/python3 -c "o,t,p=$ours,$ts,$pt; print(f'{o/t:.2f} {o/p:.2f} {o/max(t,p):.2f}')")
  set -- $ratios
  echo "${img}px-b$batch: ours $ours img/s, torchsharp $ts, pytorch $pt; ours/torchsharp $1, ours/pytorch $2"
  summary+=("${img}px-b$batch $3")
done
echo "ratio ours/best-peer: $(IFS=,; echo "${summary[*]}" | sed 's/,/, /g')"
