// Training on the GPU (label cuda): bf16 autocast teacher training lowers the loss, a checkpoint
// written on the GPU resumes there (close to the uninterrupted run; bit equality is a CPU
// property), and TDM distillation runs with ASA-GT on CUDA tensors.

#include "check.h"
#include "moving_squares_source.h"
#include "test_tensors.h"
#include "tiny_config.h"
#include "train/tdm_distiller.h"
#include "train/teacher_trainer.h"

#include <torch/cuda.h>

#include <unistd.h>

#include <cstdlib>

using namespace blade;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("blade_train_cuda_" + name + "_" + std::to_string(::getpid()));
  std::error_code error;
  fs::remove(dir / "checkpoint.json", error);
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

}  // namespace

int main() {
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

  // 20 straight vs 10 + resume + 10 on the GPU.
  const fs::path straight_dir = fresh_dir("straight");
  const fs::path split_dir = fresh_dir("split");
  auto straight_options = gpu_options(straight_dir);
  straight_options.iterations = 20;
  straight_options.export_at_end = false;
  train::TeacherTrainer straight(straight_options, source, false);
  straight.run();
  auto split_options = gpu_options(split_dir);
  split_options.iterations = 10;
  split_options.export_at_end = false;
  { train::TeacherTrainer part(split_options, source, false); part.run(); }
  split_options.iterations = 20;
  train::TeacherTrainer resumed(split_options, source, true);
  resumed.run();
  double worst = 0.0;
  const auto a = straight.parameters();
  const auto b = resumed.parameters();
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, test::relative_error(b[i].second, a[i].second));
  fmt::print("cuda resume: largest relative weight difference {:.3e}\n", worst);
  BLADE_CHECK(worst < 1e-2, "resumed weights differ by {}", worst);

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
  return test::exit_code();
}
