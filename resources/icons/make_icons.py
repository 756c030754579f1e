#!/usr/bin/env python3
"""Draws the BLADE Studio icon: a 4x4 attention block mask (bright = kept, dim = skipped) on a
rounded square. Writes the SVG and PNGs of the hicolor sizes from the same geometry, with no
third-party packages (4x4 supersampling, zlib PNG)."""

import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = [16, 24, 32, 48, 64, 128, 256]
KEPT = {(0, 0), (1, 0), (1, 1), (2, 1), (2, 2), (3, 0), (3, 2), (3, 3), (0, 2)}
BACK_TOP, BACK_BOTTOM = (0x1F, 0x2A, 0x48), (0x3A, 0x1F, 0x5C)
KEPT_RGB, SKIPPED_RGB = (0xFD, 0xE7, 0x25), (0x2C, 0x4F, 0x7C)
OUTER = (0.04, 0.96, 0.20)  # min, max, corner radius (unit square)
GRID0, CELL, GAP, CELL_RADIUS = 0.20, 0.15, 0.03, 0.025


def in_rounded_rect(x, y, x0, y0, x1, y1, r):
    if x < x0 or x > x1 or y < y0 or y > y1:
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def cells():
    for row in range(4):
        for col in range(4):
            x0 = GRID0 + col * CELL + GAP / 2
            y0 = GRID0 + row * CELL + GAP / 2
            yield row, col, x0, y0, x0 + CELL - GAP, y0 + CELL - GAP


def colour_at(x, y):
    """RGBA (0-255, alpha 0/1) of the icon at a point of the unit square."""
    lo, hi, r = OUTER
    if not in_rounded_rect(x, y, lo, lo, hi, hi, r):
        return None
    for row, col, x0, y0, x1, y1 in cells():
        if in_rounded_rect(x, y, x0, y0, x1, y1, CELL_RADIUS):
            return KEPT_RGB if (row, col) in KEPT else SKIPPED_RGB
    t = (y - lo) / (hi - lo)
    return tuple(round(a + (b - a) * t) for a, b in zip(BACK_TOP, BACK_BOTTOM))


def render(size, samples=4):
    rows = []
    for py in range(size):
        row = bytearray([0])  # PNG filter type none
        for px in range(size):
            acc = [0, 0, 0]
            hits = 0
            for sy in range(samples):
                for sx in range(samples):
                    c = colour_at((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)
                    if c is not None:
                        hits += 1
                        for i in range(3):
                            acc[i] += c[i]
            if hits:
                row += bytes([round(acc[0] / hits), round(acc[1] / hits), round(acc[2] / hits),
                              round(255 * hits / samples ** 2)])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return rows


def write_png(path, size, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
    path.write_bytes(png)


def write_svg(path):
    s = 256
    hexa = lambda c: "#%02x%02x%02x" % c
    lo, hi, r = OUTER
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{s}" height="{s}" viewBox="0 0 {s} {s}">',
        '<defs><linearGradient id="back" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{hexa(BACK_TOP)}"/><stop offset="1" stop-color="{hexa(BACK_BOTTOM)}"/>'
        '</linearGradient></defs>',
        f'<rect x="{lo*s:g}" y="{lo*s:g}" width="{(hi-lo)*s:g}" height="{(hi-lo)*s:g}" rx="{r*s:g}" fill="url(#back)"/>',
    ]
    for row, col, x0, y0, x1, y1 in cells():
        colour = KEPT_RGB if (row, col) in KEPT else SKIPPED_RGB
        parts.append(f'<rect x="{x0*s:.2f}" y="{y0*s:.2f}" width="{(x1-x0)*s:.2f}" height="{(y1-y0)*s:.2f}" '
                     f'rx="{CELL_RADIUS*s:.2f}" fill="{hexa(colour)}"/>')
    parts.append("</svg>\n")
    path.write_text("\n".join(parts))


if __name__ == "__main__":
    write_svg(HERE / "blade-studio.svg")
    for size in SIZES:
        write_png(HERE / f"blade-studio-{size}.png", size, render(size))
    print("wrote", HERE / "blade-studio.svg", "and", len(SIZES), "PNGs")
