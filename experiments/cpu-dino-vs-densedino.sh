#!/bin/bash
# DINO vs DenseDINO at equal budgets on this repository's CPU scale (issue 6's experiment).
# The two runs differ only in --alpha: 1.0 trains on the CLS loss alone, which with the default mask
# (reference tokens only read the patches; CLS and patches never attend to them) is DINO's
# objective on the same four 64 px views; 0.5 is DenseDINO's CLS + reference-token loss.
# Then k-NN on Imagenette val and the linear segmentation probe on MSRC-v2 and CamVid.
# Needs ../shared/data. Writes runs/exp-cpu/ (ignored by git). Env: EPOCHS (default 7).
set -euo pipefail
cd "$(dirname "$0")/.."
D=../shared/data
OUT=runs/exp-cpu
EPOCHS=${EPOCHS:-7}
mkdir -p "$OUT"
# A private copy of the app, so rebuilding the tree meanwhile cannot change a run half way.
dotnet publish src/DenseDino.Cli -c Release -o "$OUT/app" > /dev/null
DD="dotnet $OUT/app/densedino.dll"
. experiments/eval-backbone.sh
for method in dino densedino; do
  alpha=$([ "$method" = dino ] && echo 1.0 || echo 0.5)
  start=$(date +%s)
  $DD pretrain --plain --data-path "$D/imagenette-160/train" --output-dir "$OUT/$method" \
    --img-size 64 --patch-size 16 --embed-dim 96 --depth 4 --num-heads 3 \
    --out-dim 1024 --head-hidden-dim 512 --head-bottleneck-dim 128 --views 4 --num-reference 2 \
    --alpha "$alpha" --epochs "$EPOCHS" --warmup-epochs 1 --batch-size 32 --lr 0.005 --min-lr 1e-5 \
    --teacher-temp 0.04 --warmup-teacher-temp 0.04 --momentum-teacher 0.99 --seed 0 --num-workers 2 \
    > "$OUT/$method.pretrain.log" 2>&1
  echo "$method pretrain: $(( $(date +%s) - start )) s" | tee -a "$OUT/times.txt"
  eval_backbone "$method" "$OUT/$method/checkpoint.ddckpt" crop:72:64 crop:96:96 crop:64:64
done
