// blade bench attention: dense vs block-sparse attention timings on random inputs.

#include "arguments.h"
#include "attention/asa_benchmark.h"
#include "commands.h"
#include "core/error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>


namespace blade::cli {
namespace {

attention::BenchMaskSource parse_mask(const std::string& text) {
  if (text == "random") return attention::BenchMaskSource::Random;
  if (text == "probe") return attention::BenchMaskSource::Probe;
  fail(ErrorKind::InvalidArgument, "--mask expects probe or random, got '{}'", text);
}

void print_table(const attention::AttentionBenchOptions& o, const std::vector<attention::AttentionBenchRow>& rows) {
  fmt::print("attention on {}: batch {}, heads {}, seq {}, head dim {}, block {}\n", o.device, o.batch, o.heads, o.seq,
             o.dim, o.block_size);
  fmt::print("{:<10} {:>9} {:>11} {:>10} {:>10} {:>10}\n", "backend", "sparsity", "ms", "TFLOP/s", "vs dense", "rel err");
  const double dense_ms = rows.empty() ? 0.0 : rows.front().ms;
  for (const auto& row : rows) {
    fmt::print("{:<10} {:>9.3f} {:>11.3f} {:>10.3f} {:>9.2f}x {:>10.2e}\n", row.backend, row.sparsity, row.ms,
               row.effective_tflops, dense_ms / row.ms, row.rel_err);
  }
}

}  // namespace

int run_bench(const std::vector<std::string>& argv) {
  if (!argv.empty() && argv.front() == "pipeline") return run_bench_pipeline({argv.begin() + 1, argv.end()});
  if (argv.empty() || argv.front() != "attention") {
    fail(ErrorKind::InvalidArgument, "blade bench expects a subject: attention or pipeline (got '{}')",
         argv.empty() ? "" : argv.front());
  }
  const Arguments args(std::vector<std::string>(argv.begin() + 1, argv.end()),
                       {"device", "seq", "heads", "dim", "batch", "block-size", "sparsity", "mask", "repeats", "seed", "mask-file"},
                       {"json"});
  if (!args.positional().empty()) {
    fail(ErrorKind::InvalidArgument, "unexpected argument '{}' (options start with --)", args.positional().front());
  }
  attention::AttentionBenchOptions o;
  o.device = args.value_or("device", "cpu");
  const bool gpu = o.device.rfind("cuda", 0) == 0;
  // Default shapes: the CPU target shape, and Wan2.1-1.3B's self-attention at 480x832x81 on the GPU.
  o.seq = args.get_int("seq", gpu ? 32760 : 4096);
  o.heads = args.get_int("heads", gpu ? 12 : 4);
  o.dim = args.get_int("dim", gpu ? 128 : 64);
  o.batch = args.get_int("batch", 1);
  o.block_size = args.get_int("block-size", 128);
  o.sparsities = parse_double_list("sparsity", args.value_or("sparsity", "0.8,0.9,0.95"));
  o.mask = parse_mask(args.value_or("mask", "random"));
  o.repeats = args.get_int("repeats", 5);
  o.seed = args.get_u64("seed", 0);
  o.mask_file = args.value_or("mask-file", "");
  const auto rows = attention::bench_attention(o);
  if (args.flag("json")) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& row : rows) {
      out.push_back({{"backend", row.backend},
                     {"sparsity", row.sparsity},
                     {"ms", row.ms},
                     {"effective_tflops", row.effective_tflops},
                     {"rel_err", row.rel_err}});
    }
    fmt::print("{}\n", out.dump(1));
  } else {
    print_table(o, rows);
  }
  return 0;
}

}  // namespace blade::cli
