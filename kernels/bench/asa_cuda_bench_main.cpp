// blade_asa_cuda_bench: times the ASA CUDA kernels against dense SDPA on one shape and several
// sparsities, printing one row per sparsity.
//   blade_asa_cuda_bench [--tokens 32760] [--heads 12] [--dim 128] [--block 128] [--batch 1]
//                        [--sparsity 0.5,0.8,0.9,0.95] [--pool 0] [--backward] [--probe] [--fp16]
//                        [--repeats 20] [--key-tile 0|32|64] [--probe-variant 0|1|2|3]
//                        [--backward-keys 0|64|128] [--forward-kernel 0|1|2|3] [--bias-loads]
// With the Hopper forward (the default on sm_90 at block size 128) the mma.sync forward is timed on
// the same inputs too ("mma ms", "hopper x"). --bias-loads: ASA-GT's bias read from its tensor per
// score instead of worked out from the pool layout.

#include "core/error.h"
#include "kernels/asa_cuda_bench.h"

#include <fmt/format.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  blade::kernels::SparseBenchShape shape;
  std::vector<double> sparsities{0.5, 0.8, 0.9, 0.95};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        fmt::print(stderr, "{} needs a value\n", arg);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--tokens") shape.tokens = std::stoll(value());
    else if (arg == "--heads") shape.heads = std::stoll(value());
    else if (arg == "--dim") shape.dim = std::stoll(value());
    else if (arg == "--block") shape.block_size = std::stoll(value());
    else if (arg == "--batch") shape.batch = std::stoll(value());
    else if (arg == "--pool") shape.pool_tokens = std::stoll(value());
    else if (arg == "--repeats") shape.repeats = std::stoi(value());
    else if (arg == "--key-tile") blade::kernels::set_forward_key_tile(std::stoi(value()));
    else if (arg == "--probe-variant") blade::kernels::set_probe_variant(std::stoi(value()));
    else if (arg == "--forward-kernel") shape.forward_kernel = std::stoi(value());
    else if (arg == "--backward-keys") blade::kernels::set_backward_key_tile(std::stoi(value()));
    else if (arg == "--backward") shape.backward = true;
    else if (arg == "--probe") shape.probe = true;
    else if (arg == "--fp16") shape.bf16 = false;
    else if (arg == "--bias-loads") shape.pool_bias_loads = true;
    else if (arg == "--sparsity") {
      sparsities.clear();
      std::stringstream list(value());
      for (std::string item; std::getline(list, item, ',');) sparsities.push_back(std::stod(item));
    } else {
      fmt::print(stderr, "unknown argument {}\n", arg);
      return 2;
    }
  }
  try {
    fmt::print("shape B {} H {} L {} D {} block {} {} pool {}\n", shape.batch, shape.heads, shape.tokens, shape.dim,
               shape.block_size, shape.bf16 ? "bf16" : "fp16", shape.pool_tokens);
    fmt::print("{:>8} {:>8} {:>10} {:>10} {:>10} {:>10} {:>9} {:>10} {:>10} {:>8} {:>12} {:>8} {:>8} {:>8}\n", "sparsity", "kept",
               "fwd ms", "fwd TF/s", "bwd ms", "bwd TF/s", "probe ms", "dense ms", "dense TF/s", "speedup",
               "dense bwd ms", "bwd x", "mma ms", "hopper x");
    std::string card;
    for (double s : sparsities) {
      shape.sparsity = s;
      const auto r = blade::kernels::bench_block_sparse_cuda(shape);
      card = r.card;
      fmt::print("{:>8.3f} {:>8.4f} {:>10.4f} {:>10.1f} {:>10.4f} {:>10.1f} {:>9.4f} {:>10.4f} {:>10.1f} {:>8.2f} {:>12.4f} {:>8.2f} {:>8.4f} {:>8.2f}\n",
                 s, r.kept_fraction, r.forward_ms, r.forward_tflops, r.backward_ms, r.backward_tflops, r.probe_ms,
                 r.dense_ms, r.dense_tflops, r.dense_ms > 0 ? r.dense_ms / r.forward_ms : 0.0, r.dense_backward_ms,
                 r.backward_ms > 0 ? r.dense_backward_ms / r.backward_ms : 0.0, r.mma_sync_forward_ms,
                 r.mma_sync_forward_ms > 0 ? r.mma_sync_forward_ms / r.forward_ms : 0.0);
    }
    fmt::print("card: {}\n", card);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
