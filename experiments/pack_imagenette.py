#!/usr/bin/python3
"""Re-encodes an image-folder tree (class sub-folders of JPEGs) at a smaller size so it fits a
byte budget (the GPU machine's 64 MiB transfer). Square sources are resized to SIZE x SIZE
(bicubic); the JPEG quality is the highest of 90, 85, ..., 40 whose total, estimated on a fixed
sample of 300 files, fits the budget. Deterministic: same input, same bytes.

usage: pack_imagenette.py SRC DST [--size 128] [--budget-mb 28]
"""
import argparse, io, os, random, sys
from PIL import Image

def encode(path, size, quality):
    im = Image.open(path).convert("RGB")
    if im.size != (size, size):
        im = im.resize((size, size), Image.BICUBIC)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src"); ap.add_argument("dst")
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--budget-mb", type=float, default=28.0)
    a = ap.parse_args()
    files = sorted(os.path.relpath(os.path.join(d, f), a.src) for d, _, fs in os.walk(a.src) for f in fs
                   if f.lower().endswith((".jpg", ".jpeg")))
    if not files: sys.exit(f"no JPEGs under {a.src}")
    sample = random.Random(0).sample(files, min(300, len(files)))
    for q in range(90, 35, -5):
        est = sum(len(encode(os.path.join(a.src, f), a.size, q)) for f in sample) / len(sample) * len(files)
        if est <= a.budget_mb * 1e6 * 0.97: break
    total = 0
    for f in files:
        out = os.path.join(a.dst, f)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        data = encode(os.path.join(a.src, f), a.size, q)
        with open(out, "wb") as fh: fh.write(data)
        total += len(data)
    print(f"{len(files)} images at {a.size} px, JPEG quality {q}: {total / 1e6:.1f} MB -> {a.dst}")

main()
