#pragma once
// Teacher and student folders of a tiny model, in the layout `blade train` / `blade distill` export
// (model_index.json "blade" entries included), with random weights: 9 frames at 32x32, i.e.
// 9 x 8 x 8 = 576 tokens and 5 key blocks of 128, so that block-sparse attention can skip most.

#include "tiny_config.h"
#include "train/model_export.h"
#include "train/model_init.h"
#include "train/named_tensors.h"
#include "train/tokenizer_training.h"
#include "world/prompt_grammar.h"
#include "world/scene_sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>

namespace blade::test {

inline const world::ClipFormat kEvalClip{9, 32, 32};

// A prompt tokenizer trained on world prompts; returns its piece count.
inline int64_t write_eval_tokenizer(const std::filesystem::path& file) {
  std::vector<std::string> sentences;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    sentences.push_back(world::make_prompt(world::sample_scene(seed, world::Split::Train).attributes, seed));
  }
  return train::train_prompt_tokenizer(sentences, {.vocab_size = 64}, file);
}

inline nlohmann::json teacher_entry() {
  return {{"role", "teacher"},
          {"recommended", {{"sampler", "unipc"}, {"steps", 50}, {"guidance", 5.0}, {"shift", 3.0}}}};
}

inline nlohmann::json student_entry(int steps) {
  return {{"role", "student"},
          {"steps", steps},
          {"attention", "asa-gt"},
          {"asa",
           {{"block_size", 128}, {"probe_tokens", 16}, {"tau", 0.95}, {"min_keep", 0.05}, {"max_keep", 0.17},
            {"pool_tokens", 30}, {"rule", "paper"}, {"fixed_sparsity", nullptr}}},
          {"recommended",
           {{"sampler", "tdm"}, {"eta", 0.7}, {"steps", steps}, {"guidance", 1.0}, {"shift", 3.0}, {"attention", "asa-gt"}}}};
}

// Random weights from `seed` (the zero-initialised output projection is perturbed too, so that the
// model's output depends on its input and attention). Writes `out`.
inline void write_tiny_model(const std::filesystem::path& out, const std::filesystem::path& tokenizer, int64_t vocab,
                             uint64_t seed, const nlohmann::json& blade) {
  torch::NoGradGuard no_grad;
  train::MiniModelConfig config = tiny_model_config();
  config.clip = {kEvalClip.frames, kEvalClip.height, kEvalClip.width};
  config.text.vocab_size = vocab;
  config.validate();
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  models::WanDiT dit(config.dit);
  train::initialize_wan_dit(*dit, generator);
  for (auto& p : dit->parameters()) p.add_(torch::randn(p.sizes(), generator, torch::kFloat32) * 0.05);
  models::UMT5Encoder encoder(config.text);
  train::initialize_umt5(*encoder, generator);

  train::ModelExport model;
  model.name = out.filename().string();
  model.config = config;
  model.transformer = train::named_parameters_of(*dit, "");
  model.text_encoder = train::named_parameters_of(*encoder, "");
  model.tokenizer_model = tokenizer;
  model.blade = blade;
  model.storage = train::WeightStorage::F32;
  train::export_model_folder(model, out);
}

}  // namespace blade::test
