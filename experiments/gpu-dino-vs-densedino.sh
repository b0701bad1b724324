#!/bin/bash
# The DINO-vs-DenseDINO experiment on the lent GPU (issue 9), one device call. Prepare it here with
# bench/gpu-prepare.sh and experiments/gpu-pack.sh, then run (carry [".gpu", ".gpu-exp"]):
#   bash experiments/gpu-dino-vs-densedino.sh
# ViT-Tiny/16 at 224 px, 4 views, M = 4, heads K = 8192 (the first run's official K = 65536 stayed at
# the uniform solution on Imagenette's 9.5k images; see docs/EXPERIMENTS.md for the CPU-scale K screen). A short
# calibration run measures images/s, which sets the epoch count that fits BUDGET_MIN minutes per
# method, with --max-minutes as a guard. The two differ only in --alpha (1.0: CLS loss alone = DINO's
# objective on the same views; 0.5: DenseDINO). The teacher backbones come back in <16 MiB parts
# for evaluation on the CPU (experiments/gpu-eval.sh). Env: BUDGET_MIN (3.4), PRECISION (tf32),
# BATCH (64), WORKERS (15), LR (0.004), TEACHER_TEMP (0.04), MOMENTUM (0.99), SEED (0), METHODS ("dino densedino"),
# EPOCHS (fixed epochs instead of the calibration: the full 8-minute budget per method needs one device session
# per method, e.g. BUDGET_MIN=8.5 EPOCHS=29 METHODS=dino, then METHODS=densedino), MODEL (arch and head flags;
# the 2026-11-26 run used --out-dim 65536, the rest as now); BACKEND only for a dry run elsewhere.
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-exp-out}; mkdir -p "$OUT"
T0=$(date +%s)
BUDGET_MIN=${BUDGET_MIN:-3.4}; PRECISION=${PRECISION:-tf32}; BATCH=${BATCH:-64}; WORKERS=${WORKERS:-15}; LR=${LR:-0.004}
BACKEND=${BACKEND:-cuda}
MODEL=${MODEL:-"--arch vit_tiny --img-size 224 --patch-size 16 --embed-dim 192 --depth 12 --num-heads 3 --out-dim 8192 --head-hidden-dim 2048 --head-bottleneck-dim 256"}
W=/tmp/exp; mkdir -p $W/dn $W/app $W/data
tar -xJf .gpu/dotnet.tar.xz -C $W/dn && tar -xJf .gpu/apps.tar.xz -C $W app && tar -xzf .gpu-exp/data.tgz -C $W/data
export DOTNET_ROOT=$W/dn PATH=$W/dn:$PATH DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
DATA=$W/data/train
N=$(find $DATA -name '*.jpg' | wc -l)
{ nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; nproc; echo "images $N, setup $(( $(date +%s) - T0 )) s"; } | tee "$OUT/summary.txt"
DD="dotnet $W/app/densedino.dll"
common() { # $1 alpha, rest: extra flags
  local alpha=$1; shift
  $DD pretrain --plain --backend "$BACKEND" --precision "$PRECISION" --data-path $DATA \
    $MODEL --views 4 --num-reference 4 \
    --alpha "$alpha" --batch-size "$BATCH" --lr "$LR" --min-lr 1e-6 --warmup-epochs 1 \
    --teacher-temp "${TEACHER_TEMP:-0.04}" --warmup-teacher-temp "${TEACHER_TEMP:-0.04}" --momentum-teacher "${MOMENTUM:-0.99}" --freeze-last-layer 1 \
    --seed "${SEED:-0}" --num-workers "$WORKERS" "$@"
}
# One calibration sets the epochs that fit BUDGET_MIN for both methods: their steps cost the same
# (alpha 1.0 still runs the reference path, its loss weighted 0), so equal epochs are equal
# wall-clock; --max-minutes guards against a misestimate.
start=$(date +%s)
. bench/pretrain-rate.sh
if [ -n "${EPOCHS:-}" ]; then
  # A fixed epoch count (the methods in separate device sessions, METHODS=dino then METHODS=densedino): no calibration.
  echo "fixed: $EPOCHS epochs per method" | tee -a "$OUT/summary.txt"
else
  RATE=$(pretrain_rate "$BATCH" $W/cal common 0.5 --epochs 10) || { echo "calibration failed" | tee -a "$OUT/summary.txt"; exit 1; }
  EPOCHS=$(python3 -c "print(max(1, int($RATE * ($BUDGET_MIN * 60 - 8) / $N)))")
  echo "calibration: $RATE img/s -> $EPOCHS epochs per method ($(( $(date +%s) - start )) s)" | tee -a "$OUT/summary.txt"
fi
GUARD=$(python3 -c "print($BUDGET_MIN * 1.08)")
for method in ${METHODS:-dino densedino}; do
  alpha=$([ "$method" = dino ] && echo 1.0 || echo 0.5)
  start=$(date +%s)
  common "$alpha" --output-dir $W/$method --epochs "$EPOCHS" --max-minutes "$GUARD" --checkpoint-every 1000000 > "$OUT/$method.log" 2>&1
  rc=$?
  steps=$(cat $W/$method/log.jsonl 2>/dev/null | wc -l)
  echo "$method: rc $rc, $steps steps, $(( $(date +%s) - start )) s" | tee -a "$OUT/summary.txt"
  $DD export --weights $W/$method/checkpoint.ddckpt --out $W/$method.safetensors >> "$OUT/$method.log" 2>&1 \
    && split -b 15M -d $W/$method.safetensors "$OUT/$method.safetensors.part"
done
tar -czf "$OUT/logs.tgz" -C $W dino/log.jsonl dino/config.json densedino/log.jsonl densedino/config.json cal.log cal/log.jsonl 2>/dev/null
ls -la "$OUT"
echo "== done ($(( $(date +%s) - T0 )) s)"
