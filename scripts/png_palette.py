#!/usr/bin/env python3
"""Rewrites 8-bit RGB/RGBA PNGs as 256-colour palette PNGs, in place: the 256 most frequent
colours are kept and every other pixel takes the nearest of them (only anti-aliasing shades
are affected). gnuplot's pngcairo writes 24-bit RGB, about three times larger for a line chart.
Standard library only; used by render_figures.sh.   png_palette.py FILE.png ..."""
import collections
import struct
import sys
import zlib


def chunks(data):
    at = 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        yield kind, data[at + 8:at + 8 + length]
        at += 12 + length


def unfilter(raw, width, height, bpp):
    stride = width * bpp
    rows, prev, at = [], bytearray(stride), 0
    for _ in range(height):
        kind = raw[at]
        line = bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:
            line = bytearray((x + y) & 255 for x, y in zip(line, prev))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return rows


def chunk(kind, body):
    return (struct.pack(">I", len(body)) + kind + body +
            struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def to_palette(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(path + ": not a PNG")
    parts = list(chunks(data))
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", parts[0][1])
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        return  # not what pngcairo writes: left alone
    bpp = 3 if colour == 2 else 4
    rows = unfilter(zlib.decompress(b"".join(d for k, d in parts if k == b"IDAT")), width,
                    height, bpp)
    counts = collections.Counter()
    for line in rows:
        counts.update(line[i:i + 3] for i in range(0, len(line), bpp))
    palette = [c for c, _ in counts.most_common(256)]
    nearest = {}
    for c in counts:
        nearest[c] = min(range(len(palette)),
                         key=lambda i: sum((x - y) ** 2 for x, y in zip(c, palette[i])))
    pixels = bytearray()
    for line in rows:
        pixels.append(0)  # filter: none (palette rows compress best unfiltered)
        pixels += bytes(nearest[line[i:i + 3]] for i in range(0, len(line), bpp))
    out = (data[:8] + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)) +
           chunk(b"PLTE", b"".join(palette)) + chunk(b"IDAT", zlib.compress(bytes(pixels), 9)) +
           chunk(b"IEND", b""))
    if len(out) < len(data):
        open(path, "wb").write(out)


for name in sys.argv[1:]:
    to_palette(name)
