#!/bin/bash
# One device call (after bench/gpu-prepare.sh, with carry [".gpu"]): the PyTorch peer and our
# CUDA step at the same settings back to back, then the CUDA test suites. Results go to $OUT.
# Ends with: ratio ours/pytorch: 224px-b64-fp32 X, 224px-b64-tf32 Y, 224px-b64-bf16 Z
# Env: STEPS (timed steps, default 10), TESTS=0 skips the test suites, PROFILE=1 adds a per-primitive profile.
# Also times our ILGPU SGEMM kernel against cuBLAS (bench gpu-gemm) and the step without the cuBLASLt bias epilogue.
# With .gpu-exp/data.tgz carried as well (experiments/gpu-pack.sh), also times real pretraining.
# FP32_BATCHES (default "64"; "32 64" adds batch 32), PRETRAIN_PRECISIONS (default "tf32"), COMPILE=1 adds
# torch.compile peer runs (fp32 and TF32; minutes of compiling), EXTRAS=0 skips the variants after the tests.
cd "$(dirname "$0")/.."
# A device call returns at most 8 files from $OUT: logs go to $W, packed into $OUT/logs.tgz after each section.
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
FINAL_OUT=$OUT; W=$(mktemp -d); OUT=$W
T0=$(date +%s)
mkdir -p /opt/dn && tar -xJf .gpu/dotnet.tar.xz -C /opt/dn && tar -xJf .gpu/apps.tar.xz -C .gpu
export DOTNET_ROOT=/opt/dn PATH=/opt/dn:$PATH DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/env.txt"
STEPS=${STEPS:-10}
stamp() { tar -czf "$FINAL_OUT/logs.tgz" -C "$W" . 2>/dev/null; echo "== $* ($(( $(date +%s) - T0 )) s)"; }
# The device's memory in use (nvidia-smi, every 100 ms) during one run: ours includes the pool's cached buffers
# and cuBLAS's workspace, PyTorch's its caching allocator's reserve.
smi_start() { nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > "$W/smi-$1.txt" 2>/dev/null & SMI=$!; }
smi_stop() { kill $SMI 2>/dev/null; wait $SMI 2>/dev/null; echo "$1: device memory used at most $(sort -n "$W/smi-$1.txt" | tail -1) MiB (nvidia-smi)" | tee -a "$W/smi.txt"; }
B=.gpu/bench/DenseDino.Benchmarks.dll
peer() { # $1 label, rest: peer args. Prints one JSON line with peak_mem_mb added.
  local label=$1; shift
  [ -f .gpu/densedino_ref.py ] || return 0
  smi_start "pytorch-$label"
  timeout "${PEER_TIMEOUT:-90}" python3 - "$@" <<'PY' 2>&1 | grep '^{' | sed "s/^{/{\"label\": \"$label\", /" | tee -a "$OUT/peer.jsonl"
import json, runpy, sys, io, contextlib, torch
buf = io.StringIO()
sys.argv = [".gpu/densedino_ref.py", "bench", "--device", "cuda"] + sys.argv[1:]
with contextlib.redirect_stdout(buf):
    runpy.run_path(".gpu/densedino_ref.py", run_name="__main__")
for line in buf.getvalue().splitlines():
    if line.startswith("{"):
        d = json.loads(line); d["peak_mem_mb"] = torch.cuda.max_memory_allocated() >> 20; print(json.dumps(d))
PY
  smi_stop "pytorch-$label"
}
ours() { # $1 label, rest: step args
  local label=$1; shift
  smi_start "ours-$label"
  timeout 120 dotnet $B step --backend cuda --img 224 --warmup 3 --steps "$STEPS" "$@" > "$OUT/last.txt" 2>&1
  echo "rc=$?" >> "$OUT/last.txt"; cat "$OUT/last.txt" >> "$OUT/ours.log"
  smi_stop "ours-$label"
  grep '^{' "$OUT/last.txt" | sed "s/^{/{\"label\":\"$label\",/" | tee -a "$OUT/ours.jsonl" | cut -c1-700
  grep -v '^{' "$OUT/last.txt" | tail -3
}
stamp "step, 224 px, 4 views, M = 4, K = 65536"
for b in ${FP32_BATCHES:-64}; do peer "224px-b$b-fp32" --batch $b --warmup 3 --steps "$STEPS"; ours "224px-b$b-fp32" --batch $b; done
peer "224px-b64-tf32" --batch 64 --tf32 --warmup 3 --steps "$STEPS"; ours "224px-b64-tf32" --batch 64 --precision tf32
# bf16 is where the memory target binds (PyTorch stores activations in bf16): --memory logs what our peak holds (ours.log).
peer "224px-b64-bf16" --batch 64 --amp bf16 --warmup 3 --steps "$STEPS"; ours "224px-b64-bf16" --batch 64 --precision bf16 --memory
summary() { python3 - "$OUT" <<'PY'
import json, sys, os
out = sys.argv[1]
def load(name):
    p = os.path.join(out, name)
    return {d["label"]: d for d in (json.loads(l) for l in open(p) if l.startswith("{"))} if os.path.exists(p) else {}
ours, peer = load("ours.jsonl"), load("peer.jsonl")
for label in sorted(set(ours) | set(peer)):
    o, p = ours.get(label, {}), peer.get(label, {})
    print(f"{label:16} ours {o.get('images_s', '-'):>8} img/s ({o.get('peak_pool_in_use_mb', '-')} MB)   pytorch {p.get('images_s', '-'):>8} img/s ({p.get('peak_mem_mb', '-')} MB)")
def ratio(label):
    o, p = ours.get(label, {}).get("images_s"), peer.get(label, {}).get("images_s")
    return f"{o / p:.2f}" if o and p else "n/a"
def ratio_fold(label):
    o, p = ours.get(label + "-fold", {}).get("images_s"), peer.get(label, {}).get("images_s")
    return f"{o / p:.2f}" if o and p else "n/a"
def update_backward_ms(label):
    return ours.get(label, {}).get("phases_ms", {}).get("update", "-"), ours.get(label, {}).get("phases_ms", {}).get("backward", "-")
print("tf32 update / backward ms: flat arena %s / %s, per tensor %s / %s" % (*update_backward_ms("224px-b64-tf32"), *update_backward_ms("224px-b64-tf32-pt")))
print("with the bias folded into C instead of cuBLASLt's epilogue: " + ", ".join(f"{l} {ratio_fold(l)}" for l in ["224px-b64-fp32", "224px-b64-tf32"]))
def ratio_compile(label):
    o, p = ours.get(label, {}).get("images_s"), peer.get(label + "-compile", {}).get("images_s")
    return f"{o / p:.2f}" if o and p else "n/a"
if any(l.endswith("-compile") for l in peer):
    print("ratio ours/torch.compile: " + ", ".join(f"{l} {ratio_compile(l)}" for l in ["224px-b64-fp32", "224px-b64-tf32"]))
print("ratio ours/pytorch: " + ", ".join(f"{l} {ratio(l)}" for l in ["224px-b64-fp32", "224px-b64-tf32", "224px-b64-bf16"]))
PY
}
summary
stamp "GEMM: our register-tiled kernel vs cuBLAS, fp32"
timeout 60 dotnet $B gpu-gemm --backend cuda 2>&1 | tee "$OUT/gemm.txt"
if [ "${TESTS:-1}" = 1 ]; then
  stamp tests
  (cd .gpu/tests && timeout 150 dotnet DenseDino.Backends.Ilgpu.Tests.dll --filter-class '*Cuda*' --filter-class '*CuBlas*' > "$OUT/tests.txt" 2>&1; echo "rc=$?" >> "$OUT/tests.txt")
  grep -E "^failed|^  (total|failed|succeeded|skipped)|^rc=" "$OUT/tests.txt" | head -30
  (cd .gpu/clitests && timeout 90 dotnet DenseDino.Cli.Tests.dll --filter-method '*CudaTracksCpuLosses*' > "$OUT/clitests.txt" 2>&1; echo "rc=$?" >> "$OUT/clitests.txt")
  grep -E "^failed|^  (total|failed|succeeded|skipped)|^rc=" "$OUT/clitests.txt"
fi
if [ "${EXTRAS:-1}" = 1 ]; then
  stamp extras
  # The bias folded into C before cuBLAS accumulates (the default before the cuBLASLt epilogue), against the same peer runs.
  ours "224px-b64-fp32-fold" --batch 64 --no-bias-epilogue; ours "224px-b64-tf32-fold" --batch 64 --precision tf32 --no-bias-epilogue
  # The update as one launch per tensor (before the parameter arena), for the flat pass's gain.
  ours "224px-b64-tf32-pt" --batch 64 --precision tf32 --per-tensor-update
  # torch.compile (inductor) of the same steps: the issue's "ahead of torch.compile" check; compiling takes minutes.
  if [ "${COMPILE:-0}" = 1 ]; then
    PEER_TIMEOUT=300 peer "224px-b64-fp32-compile" --batch 64 --compile --warmup 3 --steps "$STEPS"
    PEER_TIMEOUT=300 peer "224px-b64-tf32-compile" --batch 64 --tf32 --compile --warmup 3 --steps "$STEPS"
  fi
  [ "${PROFILE:-0}" = 1 ] && { timeout 90 dotnet $B step --backend cuda --img 224 --batch 64 --warmup 1 --steps 2 --profile > "$OUT/profile.txt" 2>&1; head -45 "$OUT/profile.txt"; }
  summary
fi
if [ -f .gpu-exp/data.tgz ]; then
  stamp pretrain
  # Real pretraining (decode + augmentation on CPU workers, upload, step): what a user gets.
  mkdir -p /tmp/pt && tar -xzf .gpu-exp/data.tgz -C /tmp/pt
  . bench/pretrain-rate.sh
  for p in ${PRETRAIN_PRECISIONS:-tf32}; do
    rate=$(pretrain_rate 64 /tmp/pt/run-$p dotnet .gpu/app/densedino.dll pretrain --plain --backend cuda --precision $p \
      --data-path /tmp/pt/train --arch vit_tiny --img-size 224 --patch-size 16 --embed-dim 192 --depth 12 --num-heads 3 \
      --out-dim 65536 --head-hidden-dim 2048 --head-bottleneck-dim 256 --views 4 --num-reference 4 \
      --batch-size 64 --epochs 10 --num-workers 15) || rate=failed
    echo "pretrain end to end, 224px-b64-$p, $(find /tmp/pt/train -name '*.jpg' | wc -l) images, 15 workers: $rate img/s" | tee -a "$OUT/pretrain.txt"
  done
fi
cp "$W/ours.jsonl" "$W/peer.jsonl" "$FINAL_OUT/" 2>/dev/null
stamp done
