"""Pillow goldens for DenseDino.Data's augmentations.

Run with Pillow 9.4.0 and NumPy 1.24 (Debian 12's python3-pil / python3-numpy):
    /usr/bin/python3 make_goldens.py > pillow_goldens.json
Each case is what torchvision's PIL code path computes (resized_crop -> Image.resize BICUBIC,
ColorJitter -> ImageEnhance / HSV shift, Grayscale -> convert("L"), DINO's blur / solarize).
"""
import json
import numpy as np
import PIL
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

rng = np.random.RandomState(0)
# Smooth-ish content plus noise, so resampling is exercised away from the 0/255 clip.
h, w = 17, 23
yy, xx = np.mgrid[0:h, 0:w]
base = np.stack([xx * 9, yy * 13, (xx + yy) * 6], axis=-1) + rng.randint(-40, 41, size=(h, w, 3))
src = np.clip(base, 0, 255).astype(np.uint8)
img = Image.fromarray(src, "RGB")


def arr(im):
    return np.asarray(im.convert("RGB"), dtype=np.uint8).reshape(-1).tolist()


def hue(im, factor):
    # torchvision.transforms.functional_pil.adjust_hue
    h_, s_, v_ = im.convert("HSV").split()
    np_h = np.array(h_, dtype=np.uint8)
    with np.errstate(over="ignore"):
        np_h += np.uint8(int(factor * 255) % 256)
    return Image.merge("HSV", (Image.fromarray(np_h, "L"), s_, v_)).convert("RGB")


cases = []
def add(name, im, **params):
    cases.append({"name": name, "width": im.size[0], "height": im.size[1], "params": params, "pixels": arr(im)})

for (x, y, cw, ch, ow, oh) in [(3, 2, 17, 13, 31, 29), (0, 0, 23, 17, 7, 5), (5, 1, 11, 15, 11, 15), (2, 3, 19, 9, 12, 20)]:
    add("resize", img.crop((x, y, x + cw, y + ch)).resize((ow, oh), Image.BICUBIC), x=x, y=y, w=cw, h=ch, outW=ow, outH=oh)
for f in (0.6, 1.3):
    add("brightness", ImageEnhance.Brightness(img).enhance(f), factor=f)
for f in (0.7, 1.35):
    add("contrast", ImageEnhance.Contrast(img).enhance(f), factor=f)
for f in (0.8, 1.2):
    add("saturation", ImageEnhance.Color(img).enhance(f), factor=f)
for f in (-0.1, 0.07):
    add("hue", hue(img, f), factor=f)
add("grayscale", img.convert("L").convert("RGB"))
for r in (0.3, 0.9, 1.9):
    add("blur", img.filter(ImageFilter.GaussianBlur(radius=r)), sigma=r)
add("solarize", ImageOps.solarize(img, 128), threshold=128)

print(json.dumps({"pillow": PIL.__version__, "numpy": np.__version__, "width": w, "height": h,
                  "source": src.reshape(-1).tolist(), "cases": cases}))
