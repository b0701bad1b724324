#!/bin/bash
# Evaluates the teacher backbones experiments/gpu-dino-vs-densedino.sh brought back, on this
# machine's CPU: k-NN on Imagenette-160 val, the linear segmentation probe on MSRC-v2 and CamVid,
# and a CLS attention map, all at 224 px as trained. usage: experiments/gpu-eval.sh DIR
# (DIR = the device call's files: *.safetensors.partNN, logs.tgz, summary.txt). Writes runs/exp-gpu/ (EVAL_OUT overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
IN=${1:?usage: experiments/gpu-eval.sh DIR}
D=../shared/data
OUT=${EVAL_OUT:-runs/exp-gpu}
mkdir -p "$OUT"
cp "$IN"/summary.txt "$OUT"/ 2>/dev/null || true
tar -xzf "$IN/logs.tgz" -C "$OUT"
dotnet publish src/DenseDino.Cli -c Release -o "$OUT/app" > /dev/null
DD="dotnet $OUT/app/densedino.dll"
. experiments/eval-backbone.sh
for method in dino densedino; do
  W="$OUT/$method.safetensors"
  cat "$IN/$method.safetensors.part"* > "$W"
  eval_backbone "$method" "$W" crop:224:224 crop:224:224
done
