#pragma once
// A model small enough for CPU tests: 5 frames of 16x16 -> 80 tokens, dim 32 (2 heads x 16).

#include "train/teacher_options.h"

namespace blade::test {

inline train::MiniModelConfig tiny_model_config() {
  train::MiniModelConfig c = train::blade_mini_config();
  c.dit.dim = 32;
  c.dit.num_heads = 2;
  c.dit.head_dim = 16;
  c.dit.num_layers = 2;
  c.dit.ffn_dim = 64;
  c.dit.freq_dim = 32;
  c.dit.text_dim = 32;
  c.text.d_model = 32;
  c.text.num_heads = 2;
  c.text.d_kv = 16;
  c.text.d_ff = 64;
  c.text.num_layers = 1;
  c.text_len = 32;
  c.clip = {5, 16, 16};
  return c;
}

inline train::TeacherTrainOptions tiny_teacher_options(const std::filesystem::path& out_dir) {
  train::TeacherTrainOptions o;
  o.out_dir = out_dir;
  o.model = tiny_model_config();
  o.batch = 2;
  o.adam.lr = 2e-3;
  o.warmup = 2;
  o.iterations = 6;
  o.tokenizer_vocab = 64;
  o.tokenizer_corpus = 400;
  o.seed = 7;
  o.export_at_end = false;
  return o;
}

}  // namespace blade::test
