#!/usr/bin/env python3
"""Degraded "phone photos" of printed skillcert QR codes, and zxing-cpp's reading of them.

    photo_corpus.py gen DIR --count N --seed S   # needs DIR/qr-K.png + DIR/qr-K.txt (seeded
                                                # by `cargo run --example photo_corpus seed DIR`)
    photo_corpus.py zxing DIR                    # prints file<TAB>ok|miss<TAB>ms per photo
    photo_corpus.py report DIR SKILLCERT.tsv ZXING.tsv

`gen` is deterministic for a given seed and QR set. Of every 20 photos, 18 are photos of the
printed QR on a page (perspective up to 8% of the page, rotation up to 25 degrees, scale 0.45 to 1,
uneven light, noise, blur up to 1.6 px, contrast down to 0.5, JPEG quality 35 to 80; one
degradation at its extreme in turn), one is a full A4 page with a 3 cm QR photographed at phone
resolution (3000 x 4000), one a screenshot of the verification page (PNG, browser zoom).
It writes DIR/photos/*.jpg|png and DIR/manifest.tsv (file, text file, kind, parameters).
Needs Pillow and numpy; `zxing` needs the zxing-cpp module.
"""

import argparse
import glob
import math
import os
import statistics
import sys
import time

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def homography(src, dst):
    """The 3x3 matrix mapping the 4 points src to dst."""
    a, b = [], []
    for (x, y), (u, v) in zip(src, dst):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    h = np.linalg.solve(np.array(a, float), np.array(b, float))
    return np.append(h, 1.0).reshape(3, 3)


def warp(img, corners_dst, size, fill):
    """img (its 4 corners) warped onto a canvas of `size` so its corners land on corners_dst."""
    w, h = img.size
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    inv = homography(corners_dst, src)  # PIL maps output -> input
    coeffs = (inv / inv[2, 2]).flatten()[:8]
    # Supersample 2x against aliasing when the page is scaled down a lot.
    out = img.transform(size, Image.Transform.PERSPECTIVE, tuple(coeffs),
                        resample=Image.Resampling.BICUBIC, fillcolor=fill)
    return out


def text_blocks(draw, rng, box, line_h, colour):
    """Rows of word-like dark blocks inside box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    y = y0
    while y + line_h < y1:
        x = x0
        while True:
            w = int(rng.integers(line_h, line_h * 5))
            if x + w > x1:
                break
            draw.rectangle([x, y, x + w, y + int(line_h * 0.55)], fill=colour)
            x += w + int(line_h * 0.5)
        y += int(line_h * 1.6)


def page_with_qr(qr, rng):
    """A piece of certificate paper: the QR with text around it (its quiet zone kept clear)."""
    q = qr.size[0]
    w, h = int(q * 1.7), int(q * 1.45)
    page = Image.new("L", (w, h), 246)
    d = ImageDraw.Draw(page)
    ox, oy = w - q - int(q * 0.08), h - q - int(q * 0.06)
    text_blocks(d, rng, (int(q * 0.08), int(q * 0.06), ox - int(q * 0.06), h - int(q * 0.06)),
                max(8, q // 24), 40)
    text_blocks(d, rng, (ox, int(q * 0.04), w - int(q * 0.08), oy - int(q * 0.02)),
                max(8, q // 24), 40)
    page.paste(qr, (ox, oy))
    return page


def lighting(arr, rng, strength):
    """Uneven light: a linear gradient and a soft shadow blob, `strength` 0..0.55."""
    h, w = arr.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang = rng.uniform(0, 2 * math.pi)
    g = (np.cos(ang) * xx / w + np.sin(ang) * yy / h)
    g = (g - g.min()) / max(1e-6, g.max() - g.min())
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    r = rng.uniform(0.25, 0.6) * max(w, h)
    blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
    light = 1.0 - strength * (0.7 * g + 0.5 * blob)
    return arr * np.clip(light, 0.2, 1.0)


def finish(img_l, rng, p):
    """Light, contrast, blur, noise, tint and JPEG of a grey picture; returns (RGB image, q)."""
    arr = np.asarray(img_l, dtype=np.float32)
    arr = lighting(arr, rng, p["light"])
    mid = 128.0
    arr = mid + (arr - mid) * p["contrast"] + p["exposure"]
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if p["blur"] > 0.05:
        img = img.filter(ImageFilter.GaussianBlur(p["blur"]))
    arr = np.asarray(img, dtype=np.float32)
    arr = arr + rng.normal(0, p["noise"], arr.shape)
    tint = np.array([1.0, 0.97, 0.9]) if p["warm"] else np.array([0.95, 0.98, 1.0])
    rgb = np.clip(arr[..., None] * tint[None, None, :], 0, 255).astype(np.uint8)
    return Image.fromarray(rgb, "RGB")


EXTREMES = ["perspective", "rotation", "scale", "light", "noise", "blur", "contrast", "jpeg"]


def photo_params(rng, i):
    """Random degradations; photo i puts one of them at (or near) its extreme."""
    p = {
        "perspective": rng.uniform(0, 0.08),
        "rotation": rng.uniform(-25, 25),
        "scale": rng.uniform(0.45, 1.0),
        "light": rng.uniform(0, 0.55),
        "noise": rng.uniform(0, 9),
        "blur": rng.uniform(0, 1.6),
        "contrast": rng.uniform(0.5, 1.0),
        "jpeg": int(rng.integers(35, 81)),
        "exposure": rng.uniform(-15, 15),
        "warm": bool(rng.integers(0, 2)),
    }
    ext = EXTREMES[i % len(EXTREMES)]
    extreme = {"perspective": 0.08, "rotation": math.copysign(rng.uniform(22, 25), p["rotation"]),
               "scale": rng.uniform(0.45, 0.5), "light": 0.55, "noise": 9.0,
               "blur": rng.uniform(1.5, 1.6), "contrast": rng.uniform(0.5, 0.55),
               "jpeg": int(rng.integers(35, 40))}
    p[ext] = extreme[ext]
    return p


def make_photo(qr, rng, p):
    page = page_with_qr(qr, rng)
    w, h = page.size
    s = p["scale"]
    th = math.radians(p["rotation"])
    c, sn = math.cos(th), math.sin(th)
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    out = []
    for (x, y) in corners:
        x, y = (x - w / 2) * s, (y - h / 2) * s
        out.append([c * x - sn * y, sn * x + c * y])
    jit = p["perspective"] * max(w, h) * s
    for pt in out:
        pt[0] += rng.uniform(-jit, jit)
        pt[1] += rng.uniform(-jit, jit)
    xs, ys = [pt[0] for pt in out], [pt[1] for pt in out]
    margin = int(0.12 * max(w, h) * s) + 10
    size = (int(max(xs) - min(xs)) + 2 * margin, int(max(ys) - min(ys)) + 2 * margin)
    dst = [(pt[0] - min(xs) + margin, pt[1] - min(ys) + margin) for pt in out]
    # Desk behind the paper: darker, with some texture.
    desk = int(rng.integers(60, 140))
    photo = warp(page, dst, size, desk)
    return finish(photo, rng, p)


def a4_photo(qr, rng, p):
    """A full A4 page (300 dpi) with a 3 cm QR, photographed at 3000 x 4000."""
    pw, ph = 2480, 3508
    page = Image.new("L", (pw, ph), 247)
    d = ImageDraw.Draw(page)
    d.rectangle([200, 220, 2280, 420], fill=60)  # heading bar
    text_blocks(d, rng, (200, 560, 2280, 2700), 42, 45)
    target = int(354 * rng.uniform(1.0, 1.4))  # 3 to 4.2 cm
    small = qr.resize((target, target), Image.Resampling.BOX)
    x, y = pw - 200 - target, ph - 200 - target
    d.rectangle([x - 20, y - 20, x + target + 20, y + target + 20], fill=247)
    page.paste(small, (x, y))
    fw, fh = 3000, 4000
    fill = rng.uniform(0.8, 0.92)
    s = min(fw / pw, fh / ph) * fill
    th = math.radians(p["rotation"])
    c, sn = math.cos(th), math.sin(th)
    jit = p["perspective"] * pw * s
    dst = []
    for (cx, cy) in [(0, 0), (pw, 0), (pw, ph), (0, ph)]:
        x, y = (cx - pw / 2) * s, (cy - ph / 2) * s
        dst.append((c * x - sn * y + fw / 2 + rng.uniform(-jit, jit),
                    sn * x + c * y + fh / 2 + rng.uniform(-jit, jit)))
    photo = warp(page, dst, (fw, fh), int(rng.integers(60, 140)))
    return finish(photo, rng, p)


def screenshot(qr, rng):
    """The verification page in a browser window: header, text, the QR; PNG at a browser zoom."""
    zoom = [1.0, 1.25, 1.5, 0.9, 1.1][int(rng.integers(0, 5))]
    w, h = [(1366, 768), (1920, 1080), (1440, 900)][int(rng.integers(0, 3))]
    img = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w, 70], fill=(32, 33, 36))  # browser chrome
    d.rectangle([120, 16, w - 200, 54], fill=(60, 64, 67))
    d.rectangle([0, 70, w, 140], fill=(22, 101, 52))  # site header
    g = Image.new("L", (w, h), 255)
    text_blocks(ImageDraw.Draw(g), rng, (80, 180, w // 2, h - 40), int(16 * zoom), 70)
    img.paste(Image.merge("RGB", (g, g, g)).crop((0, 140, w, h)), (0, 140))
    side = int(qr.size[0] / 8 * 4 * zoom)  # 4 CSS px a module
    small = qr.resize((side, side), Image.Resampling.BILINEAR)
    x = w // 2 + (w // 2 - side) // 2
    y = 170 + max(0, (h - 170 - side) // 2)
    if y + side > h:
        side = h - y - 10
        small = qr.resize((side, side), Image.Resampling.BILINEAR)
    img.paste(Image.merge("RGB", (small, small, small)), (x, y))
    return img, {"zoom": zoom, "size": f"{w}x{h}"}


def gen(args):
    rng = np.random.default_rng(args.seed)
    qrs = sorted(glob.glob(os.path.join(args.dir, "qr-*.png")))
    if not qrs:
        sys.exit(f"no qr-*.png in {args.dir} (run: cargo run --example photo_corpus seed DIR)")
    out = os.path.join(args.dir, "photos")
    os.makedirs(out, exist_ok=True)
    for f in glob.glob(os.path.join(out, "*")):
        os.remove(f)
    rows = []
    for i in range(args.count):
        qpath = qrs[i % len(qrs)]
        qr = Image.open(qpath).convert("L")
        text_file = os.path.basename(qpath)[:-4] + ".txt"
        p = photo_params(rng, i // 1)
        kind = "photo"
        if i % 20 == 19:
            kind = "screenshot"
            img, extra = screenshot(qr, rng)
            name = f"{i:04d}-{kind}.png"
            img.save(os.path.join(out, name))
            params = " ".join(f"{k}={v}" for k, v in extra.items())
        else:
            if i % 20 == 9:
                kind = "a4"
                p["rotation"] = rng.uniform(-10, 10)
                p["jpeg"] = int(rng.integers(60, 81))
                p["blur"] = min(p["blur"], 1.2)
                img = a4_photo(qr, rng, p)
            else:
                img = make_photo(qr, rng, p)
            name = f"{i:04d}-{kind}.jpg"
            img.save(os.path.join(out, name), quality=p["jpeg"])
            params = " ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                              for k, v in p.items())
        rows.append(f"photos/{name}\t{text_file}\t{kind}\t{params}")
    with open(os.path.join(args.dir, "manifest.tsv"), "w") as f:
        f.write("file\ttext\tkind\tparams\n")
        f.write("\n".join(rows) + "\n")
    print(f"wrote {len(rows)} photos to {out}", file=sys.stderr)


def manifest(d):
    with open(os.path.join(d, "manifest.tsv")) as f:
        return [line.rstrip("\n").split("\t") for line in f.readlines()[1:] if line.strip()]


def zxing(args):
    import zxingcpp
    for row in manifest(args.dir):
        want = open(os.path.join(args.dir, row[1])).read().strip()
        img = Image.open(os.path.join(args.dir, row[0]))
        t = time.perf_counter()
        res = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
        ms = (time.perf_counter() - t) * 1000
        ok = any(r.text == want for r in res)
        print(f"{row[0]}\t{'ok' if ok else 'miss'}\t{ms:.1f}\t")


def load_results(path):
    out = {}
    with open(path) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 3:
                out[cols[0]] = (cols[1] == "ok", float(cols[2]), cols[3] if len(cols) > 3 else "")
    return out


def report(args):
    rows = manifest(args.dir)
    sc, zx = load_results(args.skillcert), load_results(args.zxing)
    kinds = sorted({r[2] for r in rows})
    print(f"{'kind':<12}{'photos':>8}{'skillcert':>11}{'zxing-cpp':>11}")
    for k in kinds + ["all"]:
        files = [r[0] for r in rows if k in ("all", r[2])]
        a = sum(1 for f in files if sc.get(f, (False,))[0])
        b = sum(1 for f in files if zx.get(f, (False,))[0])
        print(f"{k:<12}{len(files):>8}{a:>11}{b:>11}")
    times = [v[1] for v in sc.values()]
    ztimes = [v[1] for v in zx.values()]
    print(f"skillcert ms per photo: median {statistics.median(times):.1f}, worst {max(times):.1f}")
    print(f"zxing-cpp ms per photo: median {statistics.median(ztimes):.1f}, worst {max(ztimes):.1f}")
    missed = [r for r in rows if zx.get(r[0], (False,))[0] and not sc.get(r[0], (False,))[0]]
    for r in missed:
        print(f"zxing-cpp only: {r[0]} {r[3]} ({sc.get(r[0], (0, 0, 'not run'))[2]})")
    for r in rows:
        if sc.get(r[0], (False,))[0] and not zx.get(r[0], (False,))[0]:
            print(f"skillcert only: {r[0]} {r[3]}")
    return 1 if missed else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("dir")
    g.add_argument("--count", type=int, default=220)
    g.add_argument("--seed", type=int, default=13)
    z = sub.add_parser("zxing")
    z.add_argument("dir")
    r = sub.add_parser("report")
    r.add_argument("dir")
    r.add_argument("skillcert")
    r.add_argument("zxing")
    args = ap.parse_args()
    if args.cmd == "gen":
        gen(args)
    elif args.cmd == "zxing":
        zxing(args)
    else:
        sys.exit(report(args))


if __name__ == "__main__":
    main()
