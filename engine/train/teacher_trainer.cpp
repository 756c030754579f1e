#include "train/teacher_trainer.h"

#include "core/device.h"
#include "core/error.h"
#include "core/log.h"
#include "core/autocast_scope.h"
#include "train/checkpoint.h"
#include "train/flow_matching.h"
#include "train/folder_overlap.h"
#include "train/model_init.h"
#include "train/pixel_model_folder.h"
#include "train/remove_tree.h"
#include "train/run_schedule.h"
#include "train/text_pretrainer.h"
#include "train/tokenizer_training.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>

namespace blade::train {
namespace fs = std::filesystem;
namespace {

constexpr const char* kKind = "teacher";
constexpr uint64_t kInitSeedSalt = 0x5DEECE66Dull;  // weights and training draws use separate streams
constexpr double kProgressSmoothing = 0.98;         // of the loss and s/it averages in the progress reports

double smoothed(bool first, double average, double value) {
  return first ? value : kProgressSmoothing * average + (1.0 - kProgressSmoothing) * value;
}

std::shared_ptr<spdlog::logger> logger() {
  static auto log = blade::log::get("train");
  return log;
}

// Swaps the averaged weights into the live parameters for the lifetime of the object.
class EmaSwap {
 public:
  EmaSwap(const NamedTensors& live, const EmaWeights& ema, bool active) : live_(live), active_(active) {
    if (!active_) return;
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < live_.size(); ++i) {
      saved_.push_back(live_[i].second.detach().clone());
      live_[i].second.detach().copy_(ema.averages()[i].second);
    }
  }
  ~EmaSwap() {
    if (!active_) return;
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < live_.size(); ++i) live_[i].second.detach().copy_(saved_[i]);
  }
  EmaSwap(const EmaSwap&) = delete;
  EmaSwap& operator=(const EmaSwap&) = delete;

 private:
  const NamedTensors& live_;
  bool active_ = false;
  std::vector<torch::Tensor> saved_;
};

// The init folder's model, checked against the run's config (all but the vocabulary size, which
// follows the folder's tokenizer, and the flow shift: a run may go on at other noise levels).
PixelModel load_init_model(const fs::path& folder, const MiniModelConfig& run) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    fail(ErrorKind::Io, "cannot initialise the run from {}: there is no such folder (expected an exported model "
         "folder: model_index.json, transformer/, text_encoder/, tokenizer/spiece.model)", folder.string());
  }
  PixelModel model;
  try {
    model = load_pixel_model(folder);
  } catch (const Error& e) {
    fail(e.kind(), "cannot initialise the run from {}: {}", folder.string(), e.what());
  }
  if (!fs::is_regular_file(model.tokenizer_model, error)) {
    fail(ErrorKind::BadWeights, "cannot initialise the run from {}: {} is missing (the text encoder's embedding "
         "belongs to the tokenizer it was trained with)", folder.string(), model.tokenizer_model.string());
  }
  MiniModelConfig expected = run;
  expected.flow_shift = model.config.flow_shift;
  const auto differences = model_config_differences(expected, model.config);
  if (!differences.empty()) {
    std::string list;
    for (const auto& line : differences) list += (list.empty() ? "" : "; ") + line;
    fail(ErrorKind::InvalidArgument, "cannot initialise the run from {}: its model does not match the run's config "
         "(expected: the run's, got: the folder's): {}", folder.string(), list);
  }
  return model;
}

// The DiT takes any grid of whole patches, so clips may be smaller than the model's default: a
// cheaper early stage (a 64x64 clip costs about four times a 32x32 one in the linear layers and
// sixteen times in attention). The frame count and the aspect ratio stay the model's: the world lays
// out its scenes for the clip's aspect, and motion is spread over the model's frames. (At half the
// size a path spans half as many RoPE positions, so part of what is learnt there is relearnt later.)
void check_training_clip_shape(const ClipSource& source, const MiniModelConfig& model) {
  const ClipShape shape = source.shape();
  const auto& clip = model.clip;
  const auto& patch = model.dit.patch;
  if (shape.frames != clip.frames || shape.height < patch[1] || shape.width < patch[2] ||
      shape.height % patch[1] != 0 || shape.width % patch[2] != 0 ||
      shape.height * clip.width != shape.width * clip.height) {
    fail(ErrorKind::InvalidArgument, "clip source '{}' makes {}x{}x{} clips (frames x height x width); the model "
         "expects {} frames and a height and width that are positive multiples of its patch {}x{} in the aspect of "
         "its default clip {}x{}x{}", source.name(), shape.frames, shape.height, shape.width, clip.frames, patch[1],
         patch[2], clip.frames, clip.height, clip.width);
  }
}

nlohmann::json clip_shape_json(const ClipShape& shape) { return {shape.frames, shape.height, shape.width}; }

}  // namespace

TeacherTrainer::TeacherTrainer(TeacherTrainOptions options, ClipSource& source, bool resume)
    : options_(std::move(options)), source_(source) {
  if (!options_.init_from.empty()) {
    // init_from starts a new run; a checkpoint in out_dir is never silently continued or replaced.
    if (resume) {
      fail(ErrorKind::InvalidArgument, "initialising from {} starts a new run, but resuming continues the run in {} "
           "from its checkpoint; resume without the init folder, or start the new run in another folder",
           options_.init_from.string(), options_.out_dir.string());
    }
    if (has_checkpoint(options_.out_dir)) {
      fail(ErrorKind::InvalidArgument, "{} already holds a training run (checkpoint at iteration {}); a run "
           "initialised from {} must start in a folder without one", options_.out_dir.string(),
           read_checkpoint_info(options_.out_dir, kKind).value("iteration", int64_t{-1}),
           options_.init_from.string());
    }
    // The run writes checkpoints and its export (out_dir/model) into out_dir: the init folder must
    // be outside it, and out_dir outside the init folder.
    require_separate_folders(options_.init_from, options_.out_dir, "initialised from");
  }
  if (resume) apply_run_settings(read_checkpoint_info(options_.out_dir, kKind).at("run"), options_);
  options_.validate();
  if (options_.weighs_objects() && !source_.knows_object_masks()) {
    fail(ErrorKind::InvalidArgument, "an object loss weight ({}) needs a clip source that knows where its objects are "
         "(the synthetic world); '{}' does not", options_.object_loss_weight, source_.name());
  }
  if (options_.text_pretrain_iterations > 0 && !source_.prompts_follow_world_grammar()) {
    fail(ErrorKind::InvalidArgument, "text pretraining learns the synthetic world's prompt grammar; the prompts of "
         "clip source '{}' are not the world's", source_.name());
  }
  if (options_.text_pretrain_iterations > 0 && !options_.init_from.empty()) {
    fail(ErrorKind::InvalidArgument, "text pretraining ({} iterations) is for runs from random weights; the text "
         "encoder of {} is already trained with its transformer", options_.text_pretrain_iterations,
         options_.init_from.string());
  }
  device_ = parse_device(options_.device);
  check_training_clip_shape(source_, options_.model);
  std::optional<PixelModel> init;
  if (!resume && !options_.init_from.empty()) {
    options_.init_from = absolute_path(options_.init_from);
    init = load_init_model(options_.init_from, options_.model);  // before anything is written
  }
  std::error_code error;
  const bool new_out_dir = !fs::exists(options_.out_dir, error);
  const fs::path tokenizer_model = options_.out_dir / "tokenizer" / "spiece.model";
  const bool new_tokenizer_dir = !fs::exists(tokenizer_model.parent_path(), error);
  const bool new_tokenizer = !fs::exists(tokenizer_model, error);
  fs::create_directories(options_.out_dir, error);

  if (!resume && init) {
    fs::create_directories(tokenizer_model.parent_path(), error);
    fs::copy_file(init->tokenizer_model, tokenizer_model, fs::copy_options::overwrite_existing, error);
    if (error) {
      fail(ErrorKind::Io, "cannot copy the tokenizer {} into {}: {}", init->tokenizer_model.string(),
           tokenizer_model.string(), error.message());
    }
    options_.model.text.vocab_size = init->config.text.vocab_size;
    options_.tokenizer_vocab = init->config.text.vocab_size;
    init_record_ = {{"path", options_.init_from.string()},
                    {"name", init->blade.value("name", std::string())},
                    {"role", init->blade.value("role", std::string())},
                    {"iterations", init->blade.value("iterations", nlohmann::json())}};
  } else if (!resume) {
    const auto corpus = source_.prompts(0, options_.tokenizer_corpus);
    options_.model.text.vocab_size =
        train_prompt_tokenizer(corpus, {.vocab_size = options_.tokenizer_vocab}, tokenizer_model);
  }
  try {
    build_models(tokenizer_model);
    if (!resume) check_prompts_fit(text_->tokenizer());  // a resumed run was checked when it started
  } catch (...) {
    if (!resume) {  // a refused new run leaves nothing of its own behind
      if (new_tokenizer_dir) {
        remove_tree(tokenizer_model.parent_path());
      } else if (new_tokenizer) {
        fs::remove(tokenizer_model, error);
      }
      if (new_out_dir) fs::remove(options_.out_dir, error);  // only while empty
    }
    throw;
  }
  if (!resume && init) {
    load_initial_weights(*init);
  } else if (!resume) {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(options_.seed ^ kInitSeedSalt);
    initialize_wan_dit(*dit_, generator);
    initialize_umt5(*text_->encoder(), generator);
  }
  dit_->to(device_);
  text_->encoder()->to(device_);
  parameters_ = named_parameters_of(*dit_, "dit.");
  for (auto& entry : named_parameters_of(*text_->encoder(), "text.")) parameters_.push_back(std::move(entry));
  for (auto& [name, p] : parameters_) p.set_requires_grad(true);

  optimizer_ = make_adamw(parameters_, options_.adam);
  ema_ = EmaWeights(parameters_, options_.ema_decay);
  rng_ = std::make_unique<TrainingRng>(options_.seed, device_);
  schedule_ = {.base = options_.adam.lr,
               .warmup = options_.warmup,
               .decay = options_.decay,
               .total = options_.iterations,
               .min_ratio = options_.min_lr_ratio};
  if (resume) {
    restore(options_.out_dir);
    const auto last_shape = read_checkpoint_info(options_.out_dir, kKind).value("clip_shape", nlohmann::json());
    if (!last_shape.is_null() && last_shape != clip_shape_json(source_.shape())) {
      logger()->warn("the run's last part trained on {} clips (frames, height, width), this part trains on {}",
                     last_shape.dump(), clip_shape_json(source_.shape()).dump());
    }
  }

  const fs::path log_path = options_.log_path.empty() ? options_.out_dir / "train_log.jsonl" : options_.log_path;
  log_ = LossLog(log_path, resume ? iteration_ : -1);
  int64_t count = 0;
  for (const auto& entry : parameters_) count += entry.second.numel();
  const ClipShape shape = source_.shape();
  logger()->info("{} teacher run in {}: {} parameters, {}x{}x{} clips ({} tokens), batch {}, on {}{}{}",
                 resume ? "resumed" : "new", options_.out_dir.string(), count, shape.frames, shape.height, shape.width,
                 options_.model.tokens_per_clip(shape), options_.batch, device_name(device_),
                 device_.is_cuda() && options_.bf16 ? " (bf16 autocast)" : "",
                 init_record_.is_null() ? "" : fmt::format(", initialised from {}", options_.init_from.string()));
}

void TeacherTrainer::load_initial_weights(const PixelModel& init) {
  const std::string source = options_.init_from.string();
  auto as_map = [](const NamedTensors& tensors) {
    return std::map<std::string, torch::Tensor>(tensors.begin(), tensors.end());
  };
  copy_into_module(*dit_, as_map(named_parameters_of(*init.dit, "")), "", source + "/transformer");
  copy_into_module(*text_->encoder(), as_map(named_parameters_of(*init.text_encoder, "")), "",
                   source + "/text_encoder");
  logger()->info("initialised from {} ('{}', {} {} iterations): transformer, text encoder and tokenizer; the "
                 "optimizer, the iteration count, the LR warmup and the data cursor start fresh", source,
                 init_record_.value("name", std::string()), init_record_.value("role", std::string()),
                 init_record_["iterations"].is_null() ? std::string("?") : init_record_["iterations"].dump());
}

void TeacherTrainer::build_models(const fs::path& tokenizer_model) {
  auto tokenizer = models::PromptTokenizer::load(tokenizer_model);
  if (tokenizer.vocab_size() != options_.model.text.vocab_size) {
    fail(ErrorKind::BadWeights, "tokenizer {} has {} pieces, the model config says {}", tokenizer_model.string(),
         tokenizer.vocab_size(), options_.model.text.vocab_size);
  }
  dit_ = models::WanDiT(options_.model.dit);
  text_ = std::make_unique<TrainableTextEncoder>(std::move(tokenizer), models::UMT5Encoder(options_.model.text),
                                                 options_.model.text_len);
  attention_ = attention::make_dense_attention();
}

void TeacherTrainer::check_prompts_fit(const models::PromptTokenizer& tokenizer) {
  const auto prompts = source_.prompts(0, options_.tokenizer_corpus);
  int64_t longest = 0;
  for (const auto& prompt : prompts) longest = std::max(longest, tokenizer.token_count(prompt));
  const int64_t text_len = options_.model.text_len;
  if (longest > text_len) {
    fail(ErrorKind::InvalidArgument, "text_len {} is shorter than the longest of the first {} training prompts ({} "
         "tokens with the closing EOS): pass --text-len {} or more", text_len, prompts.size(), longest, longest);
  }
  logger()->info("prompts take at most {} tokens (of the first {}); the context is padded to text_len {}", longest,
                 prompts.size(), text_len);
}

void TeacherTrainer::restore(const fs::path& run_dir) {
  const Checkpoint checkpoint = load_checkpoint(run_dir, kKind);
  const std::string source = checkpoint.source.string();
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> weights;
  for (auto& [name, p] : parameters_) {
    const auto found = checkpoint.tensors.find("model." + name);
    if (found == checkpoint.tensors.end()) fail(ErrorKind::BadWeights, "{}: tensor 'model.{}' is missing", source, name);
    p.detach().copy_(found->second);
  }
  ema_.load(checkpoint.tensors, "ema.", source);
  restore_adamw_state(*optimizer_, parameters_, checkpoint.tensors, "adam.", source);
  rng_->restore(checkpoint.tensors, source);
  iteration_ = checkpoint.info.at("iteration").get<int64_t>();
  data_cursor_ = checkpoint.info.at("data_cursor").get<uint64_t>();
  init_record_ = checkpoint.info.value("init_from", nlohmann::json());
  text_pretrain_record_ = checkpoint.info.value("text_pretraining", nlohmann::json());
  logger()->info("resuming at iteration {} (clip {}) from {}", iteration_, data_cursor_, source);
}

NamedTensors TeacherTrainer::parameters() const { return parameters_; }

TeacherTrainer::LossTerms TeacherTrainer::forward_loss(const ClipBatch& batch,
                                                      const std::vector<std::string>& prompts,
                                                      const torch::Tensor& sigmas, const torch::Tensor& noise) {
  const auto x0 = batch.videos.to(device_);
  const auto noisy = noisy_sample(x0, noise, sigmas);
  const auto timesteps = timesteps_from_sigmas(sigmas).to(device_);
  AutocastScope autocast(options_.bf16 && device_.is_cuda(), device_);
  const auto context = text_->encode(prompts);
  const auto velocity = dit_->forward(noisy, timesteps, context, *attention_);
  torch::Tensor weights;
  if (options_.weighs_objects()) {
    if (!batch.object_masks.defined()) {
      fail(ErrorKind::InvalidArgument, "the object loss weight {} needs batches with object masks; this one has none "
           "(ask the clip source for BatchContents::ClipsAndObjectMasks)", options_.object_loss_weight);
    }
    weights = 1.0 + (options_.object_loss_weight - 1.0) * batch.object_masks.to(device_);
  }
  LossTerms terms;
  terms.flow = flow_matching_loss(velocity, x0, noise, weights);
  terms.total = terms.flow;
  if (options_.motion_loss_weight > 0.0) {
    terms.total = terms.total + options_.motion_loss_weight * temporal_difference_loss(velocity, x0, noise, weights);
  }
  return terms;
}

double TeacherTrainer::train_step() {
  const auto contents = options_.weighs_objects() ? BatchContents::ClipsAndObjectMasks : BatchContents::Clips;
  const ClipBatch batch = source_.batch(data_cursor_, options_.batch, contents);
  data_cursor_ += static_cast<uint64_t>(options_.batch);
  std::vector<std::string> prompts = batch.prompts;
  for (auto& prompt : prompts) {
    if (rng_->uniform() < options_.prompt_dropout) prompt.clear();
  }
  const auto sigmas = sample_training_sigmas(options_.batch, options_.model.flow_shift, rng_->cpu());
  const auto noise = rng_->randn(batch.videos.sizes());

  optimizer_->zero_grad();
  const auto terms = forward_loss(batch, prompts, sigmas, noise);
  terms.total.backward();
  std::vector<torch::Tensor> tensors;
  tensors.reserve(parameters_.size());
  for (const auto& entry : parameters_) tensors.push_back(entry.second);
  last_grad_norm_ = torch::nn::utils::clip_grad_norm_(tensors, options_.grad_clip);
  last_lr_ = schedule_.at(iteration_);
  set_learning_rate(*optimizer_, last_lr_);
  optimizer_->step();
  ema_.update(parameters_, iteration_);
  ++iteration_;
  last_flow_loss_ = terms.flow.item<double>();
  return terms.total.item<double>();
}

double TeacherTrainer::evaluate_loss(const ClipBatch& batch, uint64_t seed, bool ema) {
  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto batch_size = batch.videos.size(0);
  const auto sigmas = sample_training_sigmas(batch_size, options_.model.flow_shift, generator);
  const auto noise = torch::randn(batch.videos.sizes(), generator, torch::kFloat32).to(device_);
  EmaSwap swap(parameters_, ema_, ema);
  return forward_loss(batch, batch.prompts, sigmas, noise).total.item<double>();
}

void TeacherTrainer::save_checkpoint() {
  NamedTensors tensors;
  for (const auto& [name, p] : parameters_) tensors.emplace_back("model." + name, p);
  for (const auto& [name, average] : ema_.averages()) tensors.emplace_back("ema." + name, average);
  for (auto& entry : adamw_state(*optimizer_, parameters_, "adam.")) tensors.push_back(std::move(entry));
  for (auto& entry : rng_->state()) tensors.push_back(std::move(entry));
  nlohmann::json info{{"run", run_settings_to_json(options_)},
                      {"data_cursor", data_cursor_},
                      {"clip_source", source_.name()},
                      {"clip_shape", clip_shape_json(source_.shape())},
                      {"device", device_name(device_)},
                      {"last_lr", last_lr_},
                      {"init_from", init_record_},
                      {"text_pretraining", text_pretrain_record_}};
  train::save_checkpoint(options_.out_dir, kKind, iteration_, tensors, std::move(info));
}

void TeacherTrainer::export_model(const fs::path& dir) {
  ModelExport model;
  model.config = options_.model;
  model.storage = options_.export_storage;
  model.tokenizer_model = options_.out_dir / "tokenizer" / "spiece.model";
  for (const auto& [name, average] : ema_.averages()) {
    if (name.rfind("dit.", 0) == 0) model.transformer.emplace_back(name.substr(4), average);
    if (name.rfind("text.", 0) == 0) model.text_encoder.emplace_back(name.substr(5), average);
  }
  model.blade = {{"role", "teacher"},
                 {"iterations", iteration_},
                 {"clips_seen", data_cursor_},
                 {"clip_source", source_.name()},
                 {"weights", "ema"},
                 {"recommended", {{"sampler", "unipc"}, {"steps", 50}, {"guidance", 5.0}, {"shift", options_.model.flow_shift}}}};
  if (!init_record_.is_null()) model.blade["init_from"] = init_record_;  // "iterations" above count this run only
  if (!text_pretrain_record_.is_null()) model.blade["text_pretraining"] = text_pretrain_record_;
  if (options_.motion_loss_weight > 0.0) model.blade["motion_loss_weight"] = options_.motion_loss_weight;
  if (options_.weighs_objects()) model.blade["object_loss_weight"] = options_.object_loss_weight;
  export_model_folder(model, dir);
}

void TeacherTrainer::pretrain_text(const ProgressCallback& progress, const CancelToken* cancel) {
  TextPretrainOptions pretrain;
  pretrain.iterations = options_.text_pretrain_iterations;
  pretrain.seed = options_.seed;
  TrainProgress report;
  report.stage = "text pretraining";
  const auto result = pretrain_text_encoder(
      *text_, pretrain,
      [&](const TextPretrainStep& step) {
        const bool first = step.iteration == 1;
        report.iteration = step.iteration;
        report.total = step.total;
        report.loss = step.loss;
        report.loss_average = smoothed(first, report.loss_average, step.loss);
        report.seconds_per_iteration = smoothed(first, report.seconds_per_iteration, step.seconds);
        report.learning_rate = step.learning_rate;
        if (progress) progress(report);
      },
      cancel);
  text_pretrain_record_ = to_json(result);
  ema_ = EmaWeights(parameters_, options_.ema_decay);  // the averages start from the pretrained encoder
}

void TeacherTrainer::run(const ProgressCallback& progress, const CancelToken* cancel) {
  using clock = std::chrono::steady_clock;
  RunSchedule schedule(options_.checkpoint_every, options_.checkpoint_minutes, options_.max_minutes);
  if (options_.text_pretrain_iterations > 0 && text_pretrain_record_.is_null()) {
    if (iteration_ > 0) {
      fail(ErrorKind::Internal, "the run asks for text pretraining before its first iteration, but is at iteration "
           "{} without it (train_step was called before run)", iteration_);
    }
    pretrain_text(progress, cancel);  // its time counts against max_minutes like the iterations'
  }
  TrainProgress report;
  report.total = options_.iterations;
  bool first = true;
  while (iteration_ < options_.iterations && !schedule.out_of_time()) {
    if (cancel && cancel->requested()) {
      save_checkpoint();
      cancel->throw_if_requested(
          fmt::format("at training iteration {} (checkpoint saved; continue with --resume)", iteration_));
    }
    const auto start = clock::now();
    const double loss = train_step();
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    report.iteration = iteration_;
    report.loss = loss;
    report.loss_average = smoothed(first, report.loss_average, loss);
    report.seconds_per_iteration = smoothed(first, report.seconds_per_iteration, seconds);
    report.learning_rate = last_lr_;
    report.grad_norm = last_grad_norm_;
    first = false;
    nlohmann::json entry{{"iteration", iteration_},
                         {"loss", loss},
                         {"lr", last_lr_},
                         {"grad_norm", last_grad_norm_},
                         {"seconds", seconds},
                         {"clips", data_cursor_}};
    // With the motion term the loss is no longer comparable with plain runs: the flow part is.
    if (options_.motion_loss_weight > 0.0) entry["flow_loss"] = last_flow_loss_;
    log_.append(entry);
    report.checkpointed = schedule.checkpoint_if_due(iteration_, [this] { save_checkpoint(); });
    if (progress) progress(report);
  }
  schedule.checkpoint_at_end(iteration_, [this] { save_checkpoint(); });
  if (options_.export_at_end) export_model(options_.out_dir / "model");
}

}  // namespace blade::train
