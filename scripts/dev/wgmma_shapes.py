#!/usr/bin/env python3
"""Prints the wgmma instruction wrappers of kernels/src/wgmma.cuh (the explicit specialisations at
its end). Each shape needs one inline-asm statement with an operand per accumulator register, which
C++ cannot generate; edit SHAPES here and paste the output in place of the old specialisations."""

TYPES = (("__nv_bfloat16", "bf16"), ("__half", "f16"))
SS_SHAPES = (128,)      # N of wgmma_ss (A and B from shared memory)
RS_SHAPES = (64, 128)   # N of wgmma_rs_transposed_b (A from registers)


def registers(count, start=0):
    return ", ".join(f"%{i}" for i in range(start, start + count))


def accumulators(count):
    return ", ".join(f'"+f"(d[{i}])' for i in range(count))


def wrappers():
    out = []
    for cpp_type, ptx in TYPES:
        for n in SS_SHAPES:
            nd = n // 2
            out.append(f"""template <>
__device__ __forceinline__ void wgmma_ss<{cpp_type}, {n}>(float (&d)[{nd}], uint64_t a, uint64_t b, int accumulate) {{
  asm volatile(
      "{{\\n.reg .pred p;\\nsetp.ne.b32 p, %{nd + 2}, 0;\\n"
      "wgmma.mma_async.sync.aligned.m64n{n}k16.f32.{ptx}.{ptx} {{{registers(nd)}}}, %{nd}, %{nd + 1}, p, 1, 1, 0, 0;\\n}}\\n"
      : {accumulators(nd)}
      : "l"(a), "l"(b), "r"(accumulate));
}}
""")
        for n in RS_SHAPES:
            nd = n // 2
            out.append(f"""template <>
__device__ __forceinline__ void wgmma_rs_transposed_b<{cpp_type}, {n}>(float (&d)[{nd}], const uint32_t (&a)[4], uint64_t b,
                                                              int accumulate) {{
  asm volatile(
      "{{\\n.reg .pred p;\\nsetp.ne.b32 p, %{nd + 5}, 0;\\n"
      "wgmma.mma_async.sync.aligned.m64n{n}k16.f32.{ptx}.{ptx} {{{registers(nd)}}}, {{{registers(4, nd)}}}, %{nd + 4}, p, 1, 1, 1;\\n}}\\n"
      : {accumulators(nd)}
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(accumulate));
}}
""")
    return "\n".join(out)


if __name__ == "__main__":
    print(wrappers(), end="")
