#!/usr/bin/env python3
"""Times the Wan-VAE decoder's causal 3x3x3 convolution at its real shapes in several formulations,
on one CUDA GPU, to choose how engine/models/vae/causal_conv3d.cpp should run it.

  conv3d        torch conv3d on NCDHW (what the decoder does now)
  conv3d-cl     the same with channels-last-3d input and weight
  taps-in-ch    one conv2d per output frame batch: the three time taps stacked as input channels
                ([T, 3C, H, W] channels-last, weight [O, 3C, 3, 3])
  taps-in-out   one conv2d over all T + 2 input frames with the three taps as output groups, then
                out[t] = Y[t, tap 0] + Y[t + 1, tap 1] + Y[t + 2, tap 2]

Every variant is checked against conv3d in float32 without TF32 on the same inputs (relative error printed).
Usage: python3 scripts/dev/vae_conv_layouts.py [--dtype bf16|fp32] [--repeats N]
"""
import argparse

import torch
import torch.nn.functional as F

from cuda_timing import time_ms

# (channels, frames out, height, width): the decoder's residual convolutions per level for one
# latent frame (the chunk the decoder runs at a time), 832x480 output.
SHAPES = [(384, 1, 60, 104), (384, 2, 120, 208), (192, 4, 240, 416), (96, 4, 480, 832)]


def conv3d(x, w, b):
    return F.conv3d(x, w, b, padding=(0, 1, 1))


def conv3d_cl(x, w, b):
    return F.conv3d(x.contiguous(memory_format=torch.channels_last_3d),
                    w.contiguous(memory_format=torch.channels_last_3d), b, padding=(0, 1, 1))


def taps_in_channels(x, w, b):
    # x [1, C, T + 2, H, W] -> [T, 3C, H, W]: frame t's input is frames t, t+1, t+2 side by side.
    _, c, t2, h, wd = x.shape
    t = t2 - 2
    frames = x[0].permute(1, 0, 2, 3)  # [T + 2, C, H, W]
    stacked = torch.empty((t, 3 * c, h, wd), dtype=x.dtype, device=x.device,
                          memory_format=torch.channels_last)
    for tap in range(3):
        stacked[:, tap * c:(tap + 1) * c].copy_(frames[tap:tap + t])
    w2 = w.permute(0, 2, 1, 3, 4).reshape(w.shape[0], 3 * c, 3, 3).contiguous(memory_format=torch.channels_last)
    y = F.conv2d(stacked, w2, b, padding=1)  # [T, O, H, W]
    return y.permute(1, 0, 2, 3).unsqueeze(0)


def taps_in_outputs(x, w, b):
    _, c, t2, h, wd = x.shape
    t = t2 - 2
    o = w.shape[0]
    frames = x[0].permute(1, 0, 2, 3).contiguous(memory_format=torch.channels_last)
    w2 = w.permute(2, 0, 1, 3, 4).reshape(3 * o, c, 3, 3).contiguous(memory_format=torch.channels_last)
    y = F.conv2d(frames, w2, None, padding=1)  # [T + 2, 3 O, H, W]
    out = y[0:t, 0:o] + y[1:t + 1, o:2 * o]
    out += y[2:t + 2, 2 * o:3 * o]
    out += b.view(1, o, 1, 1)
    return out.permute(1, 0, 2, 3).unsqueeze(0)


VARIANTS = {"conv3d": conv3d, "conv3d-cl": conv3d_cl, "taps-in-ch": taps_in_channels, "taps-in-out": taps_in_outputs}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", choices=["bf16", "fp32"], default="bf16")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    torch.backends.cudnn.benchmark = True
    print(f"{torch.cuda.get_device_name()}  dtype {args.dtype}  torch {torch.__version__}")
    totals = {name: 0.0 for name in VARIANTS}
    for c, t, h, wd in SHAPES:
        x = torch.randn(1, c, t + 2, h, wd, device="cuda", dtype=dtype)
        w = torch.randn(c, c, 3, 3, 3, device="cuda", dtype=dtype) / (27 * c) ** 0.5
        b = torch.randn(c, device="cuda", dtype=dtype)
        flops = 2 * t * h * wd * c * c * 27
        torch.backends.cudnn.allow_tf32 = False
        reference = conv3d(x.float(), w.float(), b.float()).double()
        torch.backends.cudnn.allow_tf32 = True
        line = f"C {c:3d} T {t} {h}x{wd}:"
        for name, fn in VARIANTS.items():
            out = fn(x, w, b)
            err = ((out.double() - reference).norm() / reference.norm()).item()
            ms = time_ms(lambda: fn(x, w, b), args.repeats)
            totals[name] += ms
            line += f"  {name} {ms:7.3f} ms ({flops / ms / 1e9:5.0f} TFLOP/s, rel {err:.1e})"
        print(line)
    print("sum over the four shapes: " + "  ".join(f"{n} {v:.3f} ms" for n, v in totals.items()))


if __name__ == "__main__":
    main()
