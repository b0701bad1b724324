#!/bin/bash
# Packs what a device call needs into .gpu/ (ignored by git, named in the call's `carry`):
# the .NET runtime (the GPU machine has none), the published test and benchmark apps, the
# PyTorch peer. Run from the repository root; about a minute. Then, in one device call:
#   bash bench/gpu-compare.sh            (peer + ours + the CUDA test suites; with .gpu-exp/data.tgz
#                                         from experiments/gpu-pack.sh carried too, real pretraining img/s)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gpu
exclude="$(git rev-parse --git-dir)/info/exclude"
grep -qx '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >> "$exclude"
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
[ -f .gpu/dotnet.tar.xz ] || (cd "$dotnet_root" && tar -cJf "$OLDPWD/.gpu/dotnet.tar.xz" dotnet host shared/Microsoft.NETCore.App)
stage=$(mktemp -d)
dotnet publish tests/DenseDino.Backends.Ilgpu.Tests -c Release -o "$stage/tests" | grep -E "error|->" || true
dotnet publish tests/DenseDino.Cli.Tests -c Release -o "$stage/clitests" | grep -E "error|->" || true
dotnet publish bench/DenseDino.Benchmarks -c Release -o "$stage/bench" | grep -E "error|->" || true
dotnet publish src/DenseDino.Cli -c Release -o "$stage/app" | grep -E "error|->" || true
# BenchmarkDotNet's disassembler and tracing stacks are not used by `step` (64 MiB transfer limit).
(cd "$stage/bench" && rm -rf Microsoft.CodeAnalysis* Microsoft.Diagnostics* Iced.dll runtimes arm64 amd64 x86)
for d in tests clitests bench app; do (cd "$stage/$d" && rm -rf cs de es fr it ja ko pl pt-BR ru tr zh-Hans zh-Hant runtimes); done
tar -C "$stage" -cJf .gpu/apps.tar.xz tests clitests bench app
rm -rf "$stage"
peer=../shared/peers/pytorch/densedino_ref.py
if [ -f "$peer" ]; then cp "$peer" .gpu/; else echo "note: $peer not found; the peer runs will be skipped"; fi
du -sh .gpu
