#!/bin/bash
# Sourced by the experiment scripts. eval_backbone NAME WEIGHTS KNN_RESIZE PROBE_RESIZE [ATTENTION_RESIZE]: k-NN on
# Imagenette-160 val, the linear probe on MSRC-v2 and CamVid, and a CLS attention map of one val
# image, as $OUT/NAME.* (needs D = ../shared/data, OUT, DD = the densedino command); times to $OUT/times.txt.
eval_backbone() {
  local name=$1 w=$2 knn=$3 probe=$4 attn=${5:-$4} start=$(date +%s)
  $DD knn --weights "$w" --train "$D/imagenette-160/train" --val "$D/imagenette-160/val" --resize "$knn" \
    --out "$OUT/$name.knn.json" > "$OUT/$name.knn.log" 2>&1
  $DD segprobe --weights "$w" --data "$D/msrc-v2" --resize "$probe" --out "$OUT/$name.msrc" > "$OUT/$name.msrc.log" 2>&1
  $DD segprobe --weights "$w" --data "$D/camvid" --resize "$probe" --out "$OUT/$name.camvid" > "$OUT/$name.camvid.log" 2>&1
  $DD attention --weights "$w" --image "$D/imagenette-160/val/tench/$(ls "$D/imagenette-160/val/tench" | head -1)" \
    --resize "$attn" --out "$OUT/$name.attention" > "$OUT/$name.attention.log" 2>&1
  echo "$name eval: $(( $(date +%s) - start )) s" | tee -a "$OUT/times.txt"
}
