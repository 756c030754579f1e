#pragma once
// The umT5 encoder (Wan's text encoder): T5 blocks with a relative-position bias table in every
// layer, unscaled attention, gated GELU(tanh) feed-forward, RMS norms, no biases.

#include "io/weight_store.h"
#include "models/text/umt5_config.h"

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace blade::models {

// Bucket of every (query, key) pair, relative position key - query, bidirectional: [q_len, k_len]
// int64 on the CPU. Computed in float32 like transformers and Mesh TensorFlow.
torch::Tensor umt5_relative_buckets(int64_t query_length, int64_t key_length, int64_t num_buckets,
                                    int64_t max_distance);

class UMT5EncoderImpl : public torch::nn::Module {
 public:
  // Parameters are named as in HF UMT5EncoderModel (shared.weight,
  // encoder.block.i.layer.0.SelfAttention.q.weight, ...), zero-initialised, no gradients.
  explicit UMT5EncoderImpl(const UMT5Config& config);

  // input_ids [B, L] integer, attention_mask [B, L] integer or bool (0 = padding key).
  // Returns the last hidden state [B, L, d_model], fp32, on the module's device.
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);

  // f32 or bf16: the dtype of the embedding and the projection weights and of the matmuls. Norms,
  // bias tables, softmax and the residual stream stay fp32.
  void set_compute_dtype(torch::Dtype dtype);
  torch::Dtype compute_dtype() const { return compute_dtype_; }
  const UMT5Config& config() const { return config_; }
  torch::Device device() const { return embedding_.device(); }

 private:
  struct Layer {
    torch::Tensor q, k, v, o, position_bias, attention_norm;
    torch::Tensor wi_0, wi_1, wo, ffn_norm;
  };
  torch::Tensor attention(const torch::Tensor& x, const Layer& layer, const torch::Tensor& buckets,
                          const torch::Tensor& key_bias) const;
  torch::Tensor feed_forward(const torch::Tensor& x, const Layer& layer) const;
  torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight) const;

  UMT5Config config_;
  torch::Tensor embedding_;
  std::vector<Layer> layers_;
  torch::Tensor final_norm_;
  torch::Dtype compute_dtype_ = torch::kFloat32;
};
TORCH_MODULE(UMT5Encoder);

// Infers the config, builds the encoder on `device` with `compute_dtype` weights and loads `store`
// (HF names; a store with encoder.embed_tokens.weight instead of shared.weight works too).
// Throws BadWeights naming the file and tensor for missing or mis-shaped tensors.
UMT5Encoder load_umt5_encoder(const io::WeightStore& store, torch::Device device, torch::Dtype compute_dtype);

}  // namespace blade::models
