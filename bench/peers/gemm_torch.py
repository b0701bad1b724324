"""PyTorch (Debian's torch 1.13 + OpenBLAS) timing of the GEMM shapes in
bench/DenseDino.Benchmarks/GemmShape.cs; one JSON line per shape. Run with /usr/bin/python3."""
import json
import sys
import time

import torch

SHAPES = [  # name, batch, m, n, k, transB
    ("512^3", 1, 512, 512, 512, False), ("1024^3", 1, 1024, 1024, 1024, False), ("2048^3", 1, 2048, 2048, 2048, False),
    ("qkv 197x192x576", 1, 197, 576, 192, False), ("qkv 6304x192x576", 1, 6304, 576, 192, False),
    ("attn 96x197x64x197", 96, 197, 197, 64, True), ("head 64x256x65536^T", 1, 64, 65536, 256, True),
]

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)  # Debian's torch starts at 1
for name, batch, m, n, k, trans_b in SHAPES:
    lead = (batch,) if batch > 1 else ()
    a = torch.randn(*lead, m, k)
    # Same memory layout as ours: B^T is a view of a row-major [n, k] tensor, not a copy.
    b = torch.randn(*lead, n, k).transpose(-1, -2) if trans_b else torch.randn(k, n)
    c = torch.empty(*lead, m, n)
    op = (lambda: torch.bmm(a, b, out=c)) if batch > 1 else (lambda: torch.mm(a, b, out=c))
    for _ in range(2):
        op()
    times, start = [], time.perf_counter()
    while len(times) < 30 and (len(times) < 5 or time.perf_counter() - start < 2):
        t = time.perf_counter()
        op()
        times.append(time.perf_counter() - t)
    times.sort()
    flops, med = 2.0 * batch * m * n * k, times[len(times) // 2]
    print(json.dumps({"impl": "pytorch-openblas", "torch": torch.__version__, "shape": name,
                      "threads": torch.get_num_threads(), "reps": len(times), "median_ms": round(med * 1e3, 3),
                      "gflops": round(flops / med / 1e9, 1), "best_gflops": round(flops / times[0] / 1e9, 1)}), flush=True)
