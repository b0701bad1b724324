#!/bin/bash
# Packs the data experiments/gpu-dino-vs-densedino.sh (and gpu-compare.sh's pretraining run) need
# into .gpu-exp/ (ignored by git): Imagenette-160's train split re-encoded to fit the 64 MiB
# transfer beside .gpu/ (the .NET runtime and the published apps, from bench/gpu-prepare.sh, which
# must run first). Needs ../shared/data and PIL.
set -euo pipefail
cd "$(dirname "$0")/.."
exclude="$(git rev-parse --git-dir)/info/exclude"
grep -qx '/.gpu-exp/' "$exclude" 2>/dev/null || echo '/.gpu-exp/' >> "$exclude"
[ -f .gpu/apps.tar.xz ] || { echo "run bench/gpu-prepare.sh first (it packs the runtime and the app)"; exit 1; }
mkdir -p .gpu-exp
stage=$(mktemp -d)
if [ ! -f .gpu-exp/data.tgz ]; then
  /usr/bin/python3 experiments/pack_imagenette.py ../shared/data/imagenette-160/train "$stage/data/train" --size 128 --budget-mb "${DATA_MB:-28}"
  tar -C "$stage/data" -czf .gpu-exp/data.tgz train   # gzip mostly removes tar's per-file padding
fi
rm -rf "$stage"
du -sh .gpu-exp .gpu
echo "tracked files: $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) bytes (the whole transfer must stay under 64 MiB)"
