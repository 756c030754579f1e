// Training on the GPU (label cuda): bf16 autocast teacher training lowers the loss, a checkpoint
// written on the GPU resumes there exactly (see check_resume), and TDM distillation runs with
// ASA-GT on CUDA tensors.

#include "check.h"
#include "moving_squares_source.h"
#include "test_tensors.h"
#include "tiny_config.h"
#include "train/checkpoint.h"
#include "train/remove_tree.h"
#include "train/tdm_distiller.h"
#include "train/teacher_trainer.h"

#include <cstdio>
#include <ATen/Context.h>
#include <torch/cuda.h>

#include <unistd.h>

#include <cstdlib>

using namespace blade;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("blade_train_cuda_" + name + "_" + std::to_string(::getpid()));
  train::remove_tree(dir);  // not fs::remove_all: see train/remove_tree.h
  std::error_code error;
  fs::create_directories(dir, error);
  return dir;
}

// Head size 64 (what the CUDA block-sparse kernels take); 9 x 32 x 32 clips -> 576 tokens.
train::TeacherTrainOptions gpu_options(const fs::path& dir) {
  auto o = test::tiny_teacher_options(dir);
  o.model.dit.dim = 128;
  o.model.dit.num_heads = 2;
  o.model.dit.head_dim = 64;
  o.model.dit.ffn_dim = 256;
  o.model.dit.text_dim = 64;
  o.model.text.d_model = 64;
  o.model.text.num_heads = 1;
  o.model.text.d_kv = 64;
  o.model.clip = {9, 32, 32};
  o.device = "cuda";
  o.batch = 8;
  o.adam.lr = 1e-3;
  o.warmup = 5;
  return o;
}

// Trains the run in `dir` up to `iterations` (a new run, or resuming the one there); the state it
// ends in is the checkpoint it leaves.
train::Checkpoint train_to(const fs::path& dir, int64_t iterations, bool resume, train::ClipSource& source) {
  auto options = gpu_options(dir);
  options.iterations = iterations;
  options.export_at_end = false;
  {
    train::TeacherTrainer trainer(options, source, resume);
    trainer.run();
  }
  return train::load_checkpoint(dir, "teacher");
}

// How two final training states differ: the integer tensors (generator states, AdamW step counts)
// and the data cursor do not depend on floating-point rounding and must be equal whatever the
// kernels do; the float tensors (weights, EMA, AdamW moments) give the largest relative error.
struct StateDifference {
  std::vector<std::string> exact_mismatches;
  double worst = 0.0;
  std::string worst_name;
};

StateDifference compare(const train::Checkpoint& a, const train::Checkpoint& b) {
  StateDifference d;
  if (a.info.at("data_cursor") != b.info.at("data_cursor")) d.exact_mismatches.push_back("data_cursor");
  if (a.info.at("iteration") != b.info.at("iteration")) d.exact_mismatches.push_back("iteration");
  for (const auto& [name, tensor] : a.tensors) {
    const auto other = b.tensors.find(name);
    if (other == b.tensors.end()) {
      d.exact_mismatches.push_back(name + " (missing)");
    } else if (!tensor.is_floating_point()) {
      if (!torch::equal(tensor, other->second)) d.exact_mismatches.push_back(name);
    } else {
      const double error = test::relative_error(other->second, tensor);
      if (error > d.worst || d.worst_name.empty()) {
        d.worst = error;
        d.worst_name = name;
      }
    }
  }
  if (a.tensors.size() != b.tensors.size()) d.exact_mismatches.push_back("tensor count");
  return d;
}

std::string describe(const StateDifference& d) {
  std::string exact;
  for (const auto& name : d.exact_mismatches) exact += (exact.empty() ? "" : ", ") + name;
  return fmt::format("{}{}",
                     d.worst == 0.0 ? std::string("float tensors bit-identical")
                                    : fmt::format("largest relative difference {:.3e} ({})", d.worst, d.worst_name),
                     exact.empty() ? "" : ", unequal: " + exact);
}

// Deterministic kernels for the scope (restored after): deterministic algorithms (flash attention's
// backward without atomics, deterministic cuDNN convolutions; an op without a deterministic kernel
// throws), no cuDNN attention, no cuDNN autotuning.
class DeterministicScope {
 public:
  DeterministicScope()
      : algorithms_(ctx().deterministicAlgorithms()),
        warn_only_(ctx().deterministicAlgorithmsWarnOnly()),
        cudnn_(ctx().deterministicCuDNN()),
        benchmark_(ctx().benchmarkCuDNN()),
        cudnn_attention_(ctx().userEnabledCuDNNSDP()) {
    ctx().setDeterministicAlgorithms(true, /*warn_only=*/false);
    ctx().setDeterministicCuDNN(true);
    ctx().setBenchmarkCuDNN(false);
    ctx().setSDPUseCuDNN(false);
  }
  ~DeterministicScope() { off(); }
  void off() {
    ctx().setDeterministicAlgorithms(algorithms_, warn_only_);
    ctx().setDeterministicCuDNN(cudnn_);
    ctx().setBenchmarkCuDNN(benchmark_);
    ctx().setSDPUseCuDNN(cudnn_attention_);
  }
  DeterministicScope(const DeterministicScope&) = delete;
  DeterministicScope& operator=(const DeterministicScope&) = delete;

 private:
  static at::Context& ctx() { return at::globalContext(); }
  bool algorithms_, warn_only_, cudnn_, benchmark_, cudnn_attention_;
};

// Exact resume on the GPU: 20 iterations straight vs 10 + checkpoint + resume + 10.
//
// Why not a fixed tolerance: with the default kernels, training on CUDA is not run-to-run
// deterministic (flash attention's backward accumulates dQ with atomics, cuDNN may pick
// non-deterministic convolution algorithms), and 20 AdamW steps (which normalise every gradient
// element, however small) amplify that rounding noise, most of all relative to tensors that start
// at zero (the output projection, the biases). That is the likely reason a fixed limit of 1e-2
// failed on an H200 (5.3e-2): the checkpoint holds the whole training state (the CPU resume is
// bit-exact) and the CUDA generator state is saved and restored. A looser fixed limit would hide
// real resume bugs. So the comparison runs under deterministic algorithms (and
// CUBLAS_WORKSPACE_CONFIG, set in main before CUDA starts), where a correct resume is bit-exact,
// and is judged against the noise floor measured the same way - two straight runs - in case some
// kernel stays non-deterministic: resumed vs straight may differ by at most 4x that floor plus
// 1e-6. The generator states, step counts and data cursor must be equal in any case. To show
// that the check can fail, a copy of the half-way checkpoint gets another device-generator state
// (as if the resume had not restored it) and must end far outside the limit.
void check_resume(train::ClipSource& source) {
  {  // For the record: the noise floor with the default (non-deterministic) kernels.
    const auto a = train_to(fresh_dir("nondeterministic_a"), 20, false, source);
    const auto b = train_to(fresh_dir("nondeterministic_b"), 20, false, source);
    fmt::print("cuda resume: default kernels, straight vs straight: {}\n", describe(compare(a, b)));
  }

  DeterministicScope deterministic;
  const fs::path straight_dir = fresh_dir("straight");
  train::Checkpoint straight;
  bool exact_kernels = true;
  try {
    straight = train_to(straight_dir, 20, false, source);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    if (what.find("eterministic") == std::string::npos) throw;
    // Some op has no deterministic CUDA kernel here: fall back to the measured noise floor.
    fmt::print("cuda resume: deterministic algorithms are not available for this model ({}); comparing against "
               "the noise floor of the default kernels\n", what.substr(0, what.find('\n')));
    deterministic.off();
    exact_kernels = false;
    straight = train_to(fresh_dir("straight"), 20, false, source);
  }
  const auto again = train_to(fresh_dir("straight_again"), 20, false, source);

  const fs::path split_dir = fresh_dir("split");
  train_to(split_dir, 10, false, source);
  const fs::path broken_dir = fresh_dir("broken");
  fs::copy(split_dir, broken_dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  const auto resumed = train_to(split_dir, 20, true, source);

  {  // The half-way checkpoint with another device-generator state (seed bytes changed).
    auto checkpoint = train::load_checkpoint(broken_dir, "teacher");
    auto& state = checkpoint.tensors.at("rng.device");
    state = state.clone();
    state[0].fill_(static_cast<int64_t>(state[0].item<uint8_t>() ^ 1));
    train::NamedTensors tensors(checkpoint.tensors.begin(), checkpoint.tensors.end());
    train::save_checkpoint(broken_dir, "teacher", checkpoint.info.at("iteration").get<int64_t>(), tensors,
                           checkpoint.info);
  }
  const auto broken = train_to(broken_dir, 20, true, source);

  const auto floor = compare(straight, again);
  const auto resume = compare(straight, resumed);
  const auto wrong = compare(straight, broken);
  const double limit = 4.0 * floor.worst + 1e-6;
  fmt::print("cuda resume ({} kernels): straight vs straight: {}\n", exact_kernels ? "deterministic" : "default",
             describe(floor));
  fmt::print("cuda resume: straight vs 10 + resume + 10: {} (limit {:.3e})\n", describe(resume), limit);
  fmt::print("cuda resume: straight vs a resume from another device-generator state: {}\n", describe(wrong));
  BLADE_CHECK(floor.exact_mismatches.empty(), "two straight runs end in different states: {}", describe(floor));
  BLADE_CHECK(resume.exact_mismatches.empty(), "the resumed run ends in another state: {}", describe(resume));
  BLADE_CHECK(resume.worst <= limit, "resumed vs straight: {} exceeds 4 x the straight-vs-straight floor {:.3e} + "
              "1e-6", describe(resume), floor.worst);
  BLADE_CHECK(!wrong.exact_mismatches.empty(), "a resume from another generator state went unnoticed");
  BLADE_CHECK(wrong.worst > limit, "a resume from another generator state ends within the limit ({:.3e})", wrong.worst);
  if (floor.worst == 0.0) {
    // Bit-exact kernels: a wrong generator state must show in the weights too, far above the limit.
    BLADE_CHECK(wrong.worst > 100.0 * limit, "a resume from another generator state differs by only {:.3e}",
                wrong.worst);
  }
  for (const char* name :
       {"nondeterministic_a", "nondeterministic_b", "straight", "straight_again", "split", "broken"}) {
    train::remove_tree(fs::temp_directory_path() / fmt::format("blade_train_cuda_{}_{}", name, ::getpid()));
  }
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IONBF, 0);  // a crash must not swallow the figures printed so far
  // Before CUDA starts: cuBLAS reads it when it creates its handles, and deterministic algorithms
  // (check_resume) refuse cuBLAS without it.
  ::setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
  if (!torch::cuda::is_available()) {
    fmt::print(stderr, "no CUDA device\n");
    return 1;
  }
  const fs::path teacher_dir = fresh_dir("teacher");
  auto options = gpu_options(teacher_dir);
  options.iterations = 60;
  options.export_at_end = true;
  options.export_storage = train::WeightStorage::F32;
  test::MovingSquaresSource source(options.model.clip, 1);
  const auto fixed = source.batch(1'000'000, 8);
  {
    train::TeacherTrainer trainer(options, source, false);
    const double before = trainer.evaluate_loss(fixed, 5, false);
    trainer.run();
    const double after = trainer.evaluate_loss(fixed, 5, false);
    fmt::print("cuda teacher: fixed-batch loss {:.4f} -> {:.4f}\n", before, after);
    BLADE_CHECK(after < 0.7 * before, "loss {} -> {}", before, after);
    for (const auto& [name, p] : trainer.parameters()) {
      BLADE_CHECK(p.is_cuda() && torch::isfinite(p).all().item<bool>(), "parameter {}", name);
    }
  }

  check_resume(source);

  // Distillation with ASA-GT on the GPU.
  train::DistillOptions d;
  d.teacher_dir = teacher_dir / "model";
  d.out_dir = fresh_dir("distill");
  d.device = "cuda";
  d.student_steps = 4;
  d.batch = 4;
  d.iterations = 6;
  d.asa.block_size = 64;  // 576 tokens -> 9 blocks
  d.asa.pool_tokens = 8;
  d.asa.fixed_sparsity = 0.6;
  d.export_at_end = false;
  train::TdmDistiller distiller(d, source, false);
  distiller.run([&](const train::TrainProgress& p) {
    const auto& s = distiller.last_stats();
    fmt::print("cuda distill {}: student {:.5f} fake {:.5f} sparsity {:.3f}\n", p.iteration, s.student_loss,
               s.fake_loss, s.sparsity);
    BLADE_CHECK(std::isfinite(s.student_loss) && std::isfinite(s.fake_loss), "losses at {}", p.iteration);
    BLADE_CHECK(s.sparsity > 0.2, "sparsity {}", s.sparsity);
  });
  const auto sample = distiller.generate({"a red square moving left"}, 3);
  BLADE_CHECK(torch::isfinite(sample).all().item<bool>(), "generated sample has non-finite values");
  train::remove_tree(teacher_dir);
  train::remove_tree(d.out_dir);
  return test::exit_code();
}
