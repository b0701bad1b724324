#!/usr/bin/env bash
# Times the GEMM shapes of bench/DenseDino.Benchmarks/GemmShape.cs with the two peers, one after the
# other (never in parallel: 2 cores): PyTorch 1.13 + OpenBLAS (Debian's /usr/bin/python3) and
# TorchSharp 0.107 (libtorch + MKL). Appends JSON lines to $OUT, each peer run followed by the CPU time
# OTHER processes used meanwhile and the hypervisor's steal: more than ~1 cpu-s means a disturbed run.
# TorchSharp is not part of this repo: the peer folder is copied to $SCRATCH and our one-file timing
# program (bench/peers/GemmPeer.cs) replaces its Program.cs.
set -euo pipefail
cd "$(dirname "$0")"
PEER=${PEER:-/work/shared/peers/torchsharp}
SCRATCH=${SCRATCH:-/tmp/peers-ts}
OUT=${OUT:-$PWD/peers/results.jsonl}
THREADS=${THREADS:-2}

rm -rf "$SCRATCH"
cp -r "$PEER" "$SCRATCH"
rm -rf "$SCRATCH"/bin "$SCRATCH"/obj "$SCRATCH"/*.cs
cp peers/GemmPeer.cs "$SCRATCH/Program.cs"
dotnet build -c Release "$SCRATCH/DenseDinoBench.csproj" 2>&1 | grep -E "Warn|rror" | tail -3

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }   # jiffies (1/100 s) spent busy, all cores
steal() { awk '/^cpu /{print $9}' /proc/stat; }                 # jiffies the hypervisor gave to others
run() {
  echo "+ $*" >&2
  local b0 b1 s0 s1 mine; b0=$(busy); s0=$(steal)
  /usr/bin/time -f "%U %S" -o /tmp/gemm-peers.time "$@" | tee -a "$OUT"
  b1=$(busy); s1=$(steal); mine=$(awk '{printf "%d", ($1+$2)*100}' /tmp/gemm-peers.time)
  echo "#   other processes: $(( (b1 - b0 - mine) / 100 )) cpu-s, steal: $(( (s1 - s0) / 100 )) cpu-s" | tee -a "$OUT"
}

echo "# $(date -u +%FT%TZ) $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
run dotnet "$SCRATCH/bin/Release/net10.0/DenseDinoBench.dll" "$THREADS"
run /usr/bin/python3 peers/gemm_torch.py "$THREADS"
echo "# done $(date -u +%FT%TZ)" | tee -a "$OUT"
