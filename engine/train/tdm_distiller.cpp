#include "train/tdm_distiller.h"

#include "attention/attention_factory.h"
#include "core/device.h"
#include "core/error.h"
#include "core/log.h"
#include "core/autocast_scope.h"
#include "sampling/schedule.h"
#include "train/checkpoint.h"
#include "train/flow_matching.h"
#include "train/folder_overlap.h"
#include "train/model_export.h"
#include "train/pixel_model_folder.h"
#include "train/run_schedule.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>

namespace blade::train {
namespace fs = std::filesystem;
namespace {

constexpr const char* kKind = "distill";
enum Role : uint64_t { kStudentAttention = 1, kFakeAttention = 2 };

std::shared_ptr<spdlog::logger> logger() {
  static auto log = blade::log::get("train");
  return log;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

torch::Tensor sigmas_of(const torch::Tensor& timesteps) { return timesteps.to(torch::kFloat64) / 1000.0; }

// (1 - s) x0 + s (eta eps + sqrt(1 - eta^2) z): the stochastic step of the rollout.
torch::Tensor renoise(const torch::Tensor& x0, const torch::Tensor& eps, const torch::Tensor& sigmas, double eta,
                      const torch::Tensor& z) {
  return noisy_sample(x0, eta * eps + std::sqrt(std::max(0.0, 1.0 - eta * eta)) * z, sigmas);
}

models::WanDiT copy_of(const models::WanDiT& source) {
  models::WanDiT copy(source->config());
  torch::NoGradGuard no_grad;
  const auto from = source->named_parameters();
  for (auto& item : copy->named_parameters()) item.value().copy_(from[item.key()]);
  return copy;
}

double clip_and_norm(const NamedTensors& parameters, double max_norm) {
  std::vector<torch::Tensor> tensors;
  tensors.reserve(parameters.size());
  for (const auto& entry : parameters) tensors.push_back(entry.second);
  return torch::nn::utils::clip_grad_norm_(tensors, max_norm);
}

// Averages the sparsity of the self-attention calls it sees.
class SparsityMeter final : public attention::AttentionObserver {
 public:
  void on_attention_call(const attention::AttentionCallStats& stats) override {
    sum_ += 1.0 - stats.kept_fraction - stats.global_fraction;
    ++calls_;
  }
  double mean() const { return calls_ ? sum_ / static_cast<double>(calls_) : 0.0; }

 private:
  double sum_ = 0.0;
  int64_t calls_ = 0;
};

}  // namespace

TdmDistiller::TdmDistiller(DistillOptions options, ClipSource& prompts, bool resume)
    : options_(std::move(options)), prompts_(prompts) {
  if (resume) apply_run_settings(read_checkpoint_info(options_.out_dir, kKind).at("run"), options_);
  options_.validate();
  // The run writes checkpoints and the student's export into out_dir.
  require_separate_folders(options_.teacher_dir, options_.out_dir, "distilled from");
  device_ = parse_device(options_.device);
  std::error_code error;
  fs::create_directories(options_.out_dir, error);

  PixelModel teacher = load_pixel_model(options_.teacher_dir);
  config_ = teacher.config;
  tokenizer_model_ = teacher.tokenizer_model;
  teacher_name_ = teacher.blade.value("name", std::string("teacher"));
  text_encoder_ = teacher.text_encoder;
  text_ = std::make_unique<models::TextEncoder>(models::PromptTokenizer::load(teacher.tokenizer_model),
                                                teacher.text_encoder, config_.text_len);
  text_->to(device_);
  teacher_ = teacher.dit;
  student_ = copy_of(teacher_);
  fake_ = copy_of(teacher_);
  for (auto* dit : {&teacher_, &student_, &fake_}) (*dit)->to(device_);
  dense_ = attention::make_dense_attention();

  student_parameters_ = named_parameters_of(*student_, "student.");
  fake_parameters_ = named_parameters_of(*fake_, "fake.");
  for (auto* list : {&student_parameters_, &fake_parameters_}) {
    for (auto& [name, p] : *list) p.set_requires_grad(true);
  }
  student_optimizer_ = make_adamw(student_parameters_, options_.student_adam);
  fake_optimizer_ = make_adamw(fake_parameters_, options_.fake_adam);
  const auto schedule = [&](double lr) {
    return LrSchedule{.base = lr, .warmup = options_.warmup, .decay = LrDecay::Cosine, .total = options_.iterations,
                      .min_ratio = 0.0};
  };
  student_schedule_ = schedule(options_.student_adam.lr);
  fake_schedule_ = schedule(options_.fake_adam.lr);
  rng_ = std::make_unique<TrainingRng>(options_.seed, device_);
  negative_context_ = text_->encode({options_.negative_prompt});
  if (resume) restore(options_.out_dir);

  const fs::path log_path = options_.log_path.empty() ? options_.out_dir / "distill_log.jsonl" : options_.log_path;
  log_ = LossLog(log_path, resume ? iteration_ : -1);
  logger()->info("{} TDM distillation in {}: {} steps, eta {}, guidance {}, {} attention, batch {}, on {}",
                 resume ? "resumed" : "new", options_.out_dir.string(), options_.student_steps, options_.eta,
                 options_.guidance, options_.attention, options_.batch, device_name(device_));
}

void TdmDistiller::restore(const fs::path& run_dir) {
  const Checkpoint checkpoint = load_checkpoint(run_dir, kKind);
  const std::string source = checkpoint.source.string();
  torch::NoGradGuard no_grad;
  for (auto* list : {&student_parameters_, &fake_parameters_}) {
    for (auto& [name, p] : *list) {
      const auto found = checkpoint.tensors.find(name);
      if (found == checkpoint.tensors.end()) fail(ErrorKind::BadWeights, "{}: tensor '{}' is missing", source, name);
      p.detach().copy_(found->second);
    }
  }
  restore_adamw_state(*student_optimizer_, student_parameters_, checkpoint.tensors, "adam.", source);
  restore_adamw_state(*fake_optimizer_, fake_parameters_, checkpoint.tensors, "adam.", source);
  rng_->restore(checkpoint.tensors, source);
  iteration_ = checkpoint.info.at("iteration").get<int64_t>();
  prompt_cursor_ = checkpoint.info.at("prompt_cursor").get<uint64_t>();
  logger()->info("resuming distillation at iteration {} from {}", iteration_, source);
}

// The TDM sampler walks the same timesteps at generation time.
std::vector<int64_t> TdmDistiller::rollout_timesteps() const {
  return sampling::make_tdm_schedule(static_cast<int>(options_.student_steps)).timesteps;
}

std::unique_ptr<attention::AttentionBackend> TdmDistiller::attention_for(uint64_t role) const {
  attention::AsaSettings settings = options_.asa;
  settings.seed = splitmix64(splitmix64(options_.seed ^ role) + static_cast<uint64_t>(iteration_));
  return attention::make_attention_backend(options_.attention, settings);
}

TdmDistiller::Prediction TdmDistiller::predict(models::WanDiT& dit, attention::AttentionBackend& backend,
                                               const torch::Tensor& x, const torch::Tensor& timesteps,
                                               const torch::Tensor& context) {
  const auto sigmas = sigmas_of(timesteps);
  AutocastScope autocast(options_.bf16 && device_.is_cuda(), device_);
  const auto velocity = dit->forward(x, timesteps.to(torch::kFloat32).to(device_), context, backend);
  return {x0_from_velocity(x, velocity, sigmas), noise_from_velocity(x, velocity, sigmas)};
}

std::vector<torch::Tensor> TdmDistiller::rollout(const torch::Tensor& context, attention::AttentionBackend& backend,
                                                 TrainingRng& rng) {
  torch::NoGradGuard no_grad;
  const auto& c = config_.clip;
  const int64_t batch = context.size(0);
  const auto timesteps = rollout_timesteps();
  std::vector<torch::Tensor> states;
  auto x = rng.randn({batch, 3, c.frames, c.height, c.width});
  for (size_t k = 0; k < timesteps.size(); ++k) {
    states.push_back(x);
    const auto t = torch::full({batch}, timesteps[k], torch::kLong);
    const auto p = predict(student_, backend, x, t, context);
    if (k + 1 == timesteps.size()) {
      states.push_back(p.x0);  // the generated sample, after the last step
      break;
    }
    const auto next = torch::full({batch}, timesteps[k + 1], torch::kLong);
    x = renoise(p.x0, p.noise, sigmas_of(next), options_.eta, rng.randn(x.sizes()));
  }
  return states;
}

TdmDistiller::Times TdmDistiller::draw_times() {
  const int64_t batch = options_.batch;
  const int64_t stride = 1000 / options_.student_steps;
  Times times{torch::empty({batch}, torch::kLong), torch::empty({batch}, torch::kLong),
              torch::empty({batch}, torch::kLong), torch::empty({batch}, torch::kLong)};
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t i = rng_->integer(1, options_.student_steps);
    const int64_t t_g = stride * i - 1;
    const int64_t t_mid = t_g - (stride - 1);
    times.index[b] = i;
    times.generator_t[b] = t_g;
    times.mid_t[b] = t_mid;
    times.fake_t[b] = rng_->integer(std::max(t_mid, options_.min_timestep), options_.max_timestep);
  }
  return times;
}

torch::Tensor TdmDistiller::gather_states(const std::vector<torch::Tensor>& states, const torch::Tensor& index) const {
  // states[k] holds x at rollout_timesteps()[k]; i counts from the data end: k = K - i.
  std::vector<torch::Tensor> items;
  for (int64_t b = 0; b < index.size(0); ++b) {
    const int64_t k = options_.student_steps - index[b].item<int64_t>();
    items.push_back(states[static_cast<size_t>(k)][b]);
  }
  return torch::stack(items);
}

torch::Tensor TdmDistiller::noised_to_fake_time(const Prediction& student, const Times& times) {
  torch::NoGradGuard no_grad;
  const auto mid_sigmas = sigmas_of(times.mid_t);
  const auto x_mid = renoise(student.x0.detach(), student.noise.detach(), mid_sigmas, options_.eta,
                             rng_->randn(student.x0.sizes()));
  return diffuse_further(x_mid, rng_->randn(student.x0.sizes()), mid_sigmas, sigmas_of(times.fake_t));
}

DistillStepStats TdmDistiller::train_step() {
  DistillStepStats stats;
  const auto prompts = prompts_.prompts(prompt_cursor_, options_.batch);
  prompt_cursor_ += static_cast<uint64_t>(options_.batch);
  const auto context = text_->encode(prompts);
  const auto negative = negative_context_.expand({options_.batch, -1, -1});
  auto student_attention = attention_for(kStudentAttention);
  auto fake_attention = attention_for(kFakeAttention);
  const auto states = rollout(context, *student_attention, *rng_);

  // Fake-score update: regress the student's own samples along its trajectory.
  {
    const Times times = draw_times();
    Prediction student;
    {
      torch::NoGradGuard no_grad;
      student = predict(student_, *student_attention, gather_states(states, times.index), times.generator_t, context);
    }
    const auto x_j = noised_to_fake_time(student, times);
    const auto weight = (1.0 / sigmas_of(times.fake_t).pow(2)).to(device_, torch::kFloat32);
    fake_optimizer_->zero_grad();
    const auto fake = predict(fake_, *fake_attention, x_j, times.fake_t, context);
    auto loss = (weight * (fake.x0 - student.x0).pow(2).mean({1, 2, 3, 4})).mean();
    if (options_.fake_regularisation > 0.0) {
      torch::Tensor teacher_x0;
      {
        torch::NoGradGuard no_grad;
        teacher_x0 = predict(teacher_, *dense_, x_j, times.fake_t, context).x0;
      }
      loss = loss + options_.fake_regularisation * (weight * (fake.x0 - teacher_x0).pow(2).mean({1, 2, 3, 4})).mean();
    }
    loss.backward();
    stats.fake_grad_norm = clip_and_norm(fake_parameters_, options_.grad_clip);
    stats.fake_lr = fake_schedule_.at(iteration_);
    set_learning_rate(*fake_optimizer_, stats.fake_lr);
    fake_optimizer_->step();
    stats.fake_loss = loss.item<double>();
  }

  // Student update: one student step carries the gradient; the teacher (CFG) and the fake score
  // say where its samples should move.
  {
    const Times times = draw_times();
    SparsityMeter meter;
    student_attention->set_observer(&meter);
    student_optimizer_->zero_grad();
    const auto student = predict(student_, *student_attention, gather_states(states, times.index), times.generator_t,
                                 context);
    student_attention->set_observer(nullptr);
    const auto x_j = noised_to_fake_time(student, times);
    torch::Tensor target;
    {
      torch::NoGradGuard no_grad;
      const auto both = predict(teacher_, *dense_, torch::cat({x_j, x_j}), torch::cat({times.fake_t, times.fake_t}),
                                torch::cat({context, negative}));
      const auto conditional = both.x0.narrow(0, 0, options_.batch);
      const auto unconditional = both.x0.narrow(0, options_.batch, options_.batch);
      const auto teacher_x0 = unconditional + options_.guidance * (conditional - unconditional);
      const auto fake_x0 = predict(fake_, *fake_attention, x_j, times.fake_t, context).x0;
      target = student.x0.detach() + teacher_x0 - fake_x0;
    }
    const double c = options_.huber_c;
    const auto loss = (torch::sqrt((student.x0 - target).pow(2) + c * c) - c).mean();
    loss.backward();
    stats.student_grad_norm = clip_and_norm(student_parameters_, options_.grad_clip);
    stats.student_lr = student_schedule_.at(iteration_);
    set_learning_rate(*student_optimizer_, stats.student_lr);
    student_optimizer_->step();
    stats.student_loss = loss.item<double>();
    stats.sparsity = meter.mean();
  }
  // The fake model's gradients from the student step are not used; drop them.
  fake_optimizer_->zero_grad();
  ++iteration_;
  last_ = stats;
  return stats;
}

torch::Tensor TdmDistiller::generate(const std::vector<std::string>& prompts, uint64_t seed) {
  torch::NoGradGuard no_grad;
  const auto context = text_->encode(prompts);
  TrainingRng rng(seed, device_);
  attention::AsaSettings settings = options_.asa;
  settings.seed = seed;
  auto backend = attention::make_attention_backend(options_.attention, settings);
  return rollout(context, *backend, rng).back();
}

void TdmDistiller::save_checkpoint() {
  NamedTensors tensors;
  for (const auto* list : {&student_parameters_, &fake_parameters_}) {
    for (const auto& entry : *list) tensors.push_back(entry);
  }
  for (auto& entry : adamw_state(*student_optimizer_, student_parameters_, "adam.")) tensors.push_back(std::move(entry));
  for (auto& entry : adamw_state(*fake_optimizer_, fake_parameters_, "adam.")) tensors.push_back(std::move(entry));
  for (auto& entry : rng_->state()) tensors.push_back(std::move(entry));
  nlohmann::json info{{"run", run_settings_to_json(options_)},
                      {"prompt_cursor", prompt_cursor_},
                      {"prompt_source", prompts_.name()},
                      {"device", device_name(device_)}};
  train::save_checkpoint(options_.out_dir, kKind, iteration_, tensors, std::move(info));
}

void TdmDistiller::export_model(const fs::path& dir) {
  ModelExport model;
  model.name = teacher_name_ + "-" + std::to_string(options_.student_steps) + "step";
  model.config = config_;
  model.storage = options_.export_storage;
  model.tokenizer_model = tokenizer_model_;
  for (const auto& [name, p] : student_parameters_) model.transformer.emplace_back(name.substr(8), p);
  model.text_encoder = named_parameters_of(*text_encoder_, "");
  const auto settings = run_settings_to_json(options_);
  model.blade = {{"role", "student"},
                 {"teacher", teacher_name_},
                 {"distillation", "tdm"},
                 {"iterations", iteration_},
                 {"steps", options_.student_steps},
                 {"trained_timesteps", rollout_timesteps()},
                 {"eta", options_.eta},
                 {"attention", options_.attention},
                 {"asa", settings["asa"]},
                 {"recommended",
                  {{"sampler", "tdm"},
                   {"eta", options_.eta},
                   {"steps", options_.student_steps},
                   {"guidance", 1.0},
                   {"shift", config_.flow_shift},
                   {"attention", options_.attention}}}};
  export_model_folder(model, dir);
}

void TdmDistiller::run(const ProgressCallback& progress, const CancelToken* cancel) {
  using clock = std::chrono::steady_clock;
  RunSchedule schedule(options_.checkpoint_every, options_.checkpoint_minutes, options_.max_minutes);
  TrainProgress report;
  report.total = options_.iterations;
  bool first = true;
  while (iteration_ < options_.iterations && !schedule.out_of_time()) {
    if (cancel && cancel->requested()) {
      save_checkpoint();
      cancel->throw_if_requested(
          fmt::format("at distillation iteration {} (checkpoint saved; continue with --resume)", iteration_));
    }
    const auto start = clock::now();
    const auto stats = train_step();
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    report.iteration = iteration_;
    report.loss = stats.student_loss;
    report.loss_average = first ? stats.student_loss : 0.9 * report.loss_average + 0.1 * stats.student_loss;
    report.seconds_per_iteration = first ? seconds : 0.9 * report.seconds_per_iteration + 0.1 * seconds;
    report.learning_rate = stats.student_lr;
    report.grad_norm = stats.student_grad_norm;
    first = false;
    log_.append({{"iteration", iteration_},
                 {"student_loss", stats.student_loss},
                 {"fake_loss", stats.fake_loss},
                 {"student_lr", stats.student_lr},
                 {"fake_lr", stats.fake_lr},
                 {"student_grad_norm", stats.student_grad_norm},
                 {"fake_grad_norm", stats.fake_grad_norm},
                 {"sparsity", stats.sparsity},
                 {"seconds", seconds},
                 {"prompts", prompt_cursor_}});
    report.checkpointed = schedule.checkpoint_if_due(iteration_, [this] { save_checkpoint(); });
    if (progress) progress(report);
  }
  schedule.checkpoint_at_end(iteration_, [this] { save_checkpoint(); });
  if (options_.export_at_end) export_model(options_.out_dir / "model");
}

}  // namespace blade::train
