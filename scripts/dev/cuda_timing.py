"""Timing helper shared by the scripts in scripts/dev (one CUDA GPU)."""
import torch


def time_ms(fn, repeats):
    """Mean milliseconds of fn() over `repeats` calls, after 3 warm-up calls, by CUDA events."""
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(repeats):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / repeats
