#!/bin/bash
# Evaluates the teacher backbones experiments/gpu-dino-vs-densedino.sh brought back, on this
# machine's CPU: k-NN on Imagenette-160 val, the linear segmentation probe on MSRC-v2 and CamVid,
# and a CLS attention map, all at 224 px as trained. usage: experiments/gpu-eval.sh DIR
# (DIR = the device call's files: *.safetensors.partNN, logs.tgz, summary.txt). Writes runs/exp-gpu/.
set -euo pipefail
cd "$(dirname "$0")/.."
IN=${1:?usage: experiments/gpu-eval.sh DIR}
D=../shared/data
OUT=runs/exp-gpu
mkdir -p "$OUT"
cp "$IN"/summary.txt "$OUT"/ 2>/dev/null || true
tar -xzf "$IN/logs.tgz" -C "$OUT"
dotnet publish src/DenseDino.Cli -c Release -o "$OUT/app" > /dev/null
DD="dotnet $OUT/app/densedino.dll"
for method in dino densedino; do
  W="$OUT/$method.safetensors"
  cat "$IN/$method.safetensors.part"* > "$W"
  start=$(date +%s)
  $DD knn --weights "$W" --train "$D/imagenette-160/train" --val "$D/imagenette-160/val" --resize crop:224:224 \
    --out "$OUT/$method.knn.json" > "$OUT/$method.knn.log" 2>&1
  $DD segprobe --weights "$W" --data "$D/msrc-v2" --resize crop:224:224 --out "$OUT/$method.msrc" > "$OUT/$method.msrc.log" 2>&1
  $DD segprobe --weights "$W" --data "$D/camvid" --resize crop:224:224 --out "$OUT/$method.camvid" > "$OUT/$method.camvid.log" 2>&1
  $DD attention --weights "$W" --image "$D/imagenette-160/val/tench/$(ls "$D/imagenette-160/val/tench" | head -1)" \
    --resize crop:224:224 --out "$OUT/$method.attention" > "$OUT/$method.attention.log" 2>&1
  echo "$method eval: $(( $(date +%s) - start )) s" | tee -a "$OUT/times.txt"
done
