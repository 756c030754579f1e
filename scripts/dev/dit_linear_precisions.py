#!/usr/bin/env python3
"""Times the linear layers of one Wan2.1-1.3B DiT block at 832x480x81 (32,760 tokens) on one CUDA GPU
in the formulations the DiT could use, to choose how engine/models/dit should run them:

  bf16          F.linear in bf16 (what the DiT does now), q, k and v as three GEMMs
  bf16-qkv      q, k and v as one GEMM on the concatenated weight (then three views)
  fp8-rowwise   torch._scaled_mm in float8_e4m3fn with one scale per token row and per output
                channel; the activation's quantisation (row amax, scale, cast) is timed with it

Each variant's relative error against a float32 product of the same bf16 inputs is printed.
Usage: python3 scripts/dev/dit_linear_precisions.py [--tokens N] [--repeats N]
"""
import argparse

import torch
import torch.nn.functional as F

from cuda_timing import time_ms

DIM, FFN = 1536, 8960
# (name, in, out, count per block): self-attention q/k/v/o, cross-attention q/o (its k/v act on the
# 512 text tokens and are negligible), the FFN's two layers.
LAYERS = [("self q/k/v", DIM, DIM, 3), ("self o", DIM, DIM, 1), ("cross q/o", DIM, DIM, 2),
          ("ffn up", DIM, FFN, 1), ("ffn down", FFN, DIM, 1)]
BLOCKS = 30
FP8_MAX = torch.finfo(torch.float8_e4m3fn).max


def quantise_rows(x):
    scale = x.abs().amax(dim=-1, keepdim=True).float().clamp(min=1e-12) / FP8_MAX
    return (x.float() / scale).to(torch.float8_e4m3fn), scale


def rel_err(a, ref):
    return ((a.float() - ref).norm() / ref.norm()).item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=32760)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.manual_seed(0)
    dev = "cuda"
    print(f"card: {torch.cuda.get_device_name()}  tokens {args.tokens}")
    totals = {"bf16": 0.0, "fp8-rowwise": 0.0, "fp8 GEMM only": 0.0}
    for name, k, n, count in LAYERS:
        x = torch.randn(args.tokens, k, device=dev, dtype=torch.bfloat16)
        w = (torch.randn(n, k, device=dev) / k ** 0.5).to(torch.bfloat16)
        b = (torch.randn(n, device=dev) * 0.1).to(torch.bfloat16)
        ref = F.linear(x.float(), w.float(), b.float())
        t_bf16 = time_ms(lambda: F.linear(x, w, b), args.repeats)
        wq, ws = quantise_rows(w)
        xq, xs = quantise_rows(x)

        def fp8_gemm():
            return torch._scaled_mm(xq, wq.t(), scale_a=xs, scale_b=ws.t(), bias=b,
                                    out_dtype=torch.bfloat16)

        def fp8_full():
            q, s = quantise_rows(x)
            return torch._scaled_mm(q, wq.t(), scale_a=s, scale_b=ws.t(), bias=b,
                                    out_dtype=torch.bfloat16)

        t_gemm = time_ms(fp8_gemm, args.repeats)
        t_full = time_ms(fp8_full, args.repeats)
        e_bf16, e_fp8 = rel_err(F.linear(x, w, b), ref), rel_err(fp8_full(), ref)
        flop = 2.0 * args.tokens * k * n
        print(f"{name:12s} {k:5d}->{n:5d} x{count}: bf16 {t_bf16:6.3f} ms ({flop / t_bf16 / 1e9:4.0f} TFLOP/s,"
              f" err {e_bf16:.1e})  fp8 GEMM {t_gemm:6.3f} ms ({flop / t_gemm / 1e9:4.0f})"
              f"  fp8+quant {t_full:6.3f} ms (err {e_fp8:.1e})")
        totals["bf16"] += count * t_bf16
        totals["fp8-rowwise"] += count * t_full
        totals["fp8 GEMM only"] += count * t_gemm
    x = torch.randn(args.tokens, DIM, device=dev, dtype=torch.bfloat16)
    wqkv = (torch.randn(3 * DIM, DIM, device=dev) / DIM ** 0.5).to(torch.bfloat16)
    bqkv = torch.zeros(3 * DIM, device=dev, dtype=torch.bfloat16)
    t_qkv = time_ms(lambda: F.linear(x, wqkv, bqkv), args.repeats)
    print(f"bf16-qkv one GEMM {DIM}->{3 * DIM}: {t_qkv:6.3f} ms")
    for key, ms in totals.items():
        print(f"per DiT pass ({BLOCKS} blocks), {key}: {ms * BLOCKS / 1e3:.4f} s")


if __name__ == "__main__":
    main()
