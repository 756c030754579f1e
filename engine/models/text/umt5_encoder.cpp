#include "models/text/umt5_encoder.h"

#include "core/device.h"
#include "core/error.h"
#include "core/log.h"
#include "core/tensor_format.h"

#include <torch/torch.h>

#include <limits>

namespace blade::models {

namespace {

// Registers a parameter under a dotted HF name, creating the plain container modules on the way.
torch::Tensor add_parameter(torch::nn::Module& root, const std::string& dotted_name, torch::Tensor value) {
  torch::nn::Module* parent = &root;
  size_t start = 0;
  for (size_t dot = dotted_name.find('.'); dot != std::string::npos; dot = dotted_name.find('.', start)) {
    const std::string part = dotted_name.substr(start, dot - start);
    std::shared_ptr<torch::nn::Module> child;
    for (const auto& item : parent->named_children()) {
      if (item.key() == part) child = item.value();
    }
    if (!child) child = parent->register_module(part, std::make_shared<torch::nn::Module>(part));
    parent = child.get();
    start = dot + 1;
  }
  return parent->register_parameter(dotted_name.substr(start), std::move(value), /*requires_grad=*/false);
}

}  // namespace

torch::Tensor umt5_relative_buckets(int64_t query_length, int64_t key_length, int64_t num_buckets,
                                    int64_t max_distance) {
  torch::NoGradGuard no_grad;
  const auto relative = torch::arange(key_length, torch::kLong).unsqueeze(0) -
                        torch::arange(query_length, torch::kLong).unsqueeze(1);
  const int64_t half = num_buckets / 2;  // one half per direction
  const int64_t max_exact = half / 2;
  const auto distance = relative.abs();
  // Same float32 operations as transformers, so that the boundary cases truncate the same way.
  const auto log_ratio = torch::log(distance.to(torch::kFloat32) / static_cast<double>(max_exact)) /
                         std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)) *
                         static_cast<double>(half - max_exact);
  // log(0) = -inf for the exact buckets; clamp it before the cast, which is undefined for inf.
  const auto large = (log_ratio.clamp(-1.0, static_cast<double>(half)).to(torch::kLong) + max_exact).clamp_max(half - 1);
  return (relative > 0).to(torch::kLong) * half + torch::where(distance < max_exact, distance, large);
}

UMT5EncoderImpl::UMT5EncoderImpl(const UMT5Config& config) : config_(config) {
  const int64_t d = config.d_model;
  const int64_t inner = config.num_heads * config.d_kv;
  embedding_ = add_parameter(*this, "shared.weight", torch::zeros({config.vocab_size, d}));
  for (int64_t i = 0; i < config.num_layers; ++i) {
    const std::string block = fmt::format("encoder.block.{}.layer.", i);
    const std::string attn = block + "0.SelfAttention.";
    const std::string ffn = block + "1.DenseReluDense.";
    Layer layer;
    layer.q = add_parameter(*this, attn + "q.weight", torch::zeros({inner, d}));
    layer.k = add_parameter(*this, attn + "k.weight", torch::zeros({inner, d}));
    layer.v = add_parameter(*this, attn + "v.weight", torch::zeros({inner, d}));
    layer.o = add_parameter(*this, attn + "o.weight", torch::zeros({d, inner}));
    layer.position_bias = add_parameter(*this, attn + "relative_attention_bias.weight",
                                        torch::zeros({config.num_buckets, config.num_heads}));
    layer.attention_norm = add_parameter(*this, block + "0.layer_norm.weight", torch::ones({d}));
    layer.wi_0 = add_parameter(*this, ffn + "wi_0.weight", torch::zeros({config.d_ff, d}));
    layer.wi_1 = add_parameter(*this, ffn + "wi_1.weight", torch::zeros({config.d_ff, d}));
    layer.wo = add_parameter(*this, ffn + "wo.weight", torch::zeros({d, config.d_ff}));
    layer.ffn_norm = add_parameter(*this, block + "1.layer_norm.weight", torch::ones({d}));
    layers_.push_back(std::move(layer));
  }
  final_norm_ = add_parameter(*this, "encoder.final_layer_norm.weight", torch::ones({d}));
}

void UMT5EncoderImpl::set_compute_dtype(torch::Dtype dtype) {
  if (dtype != torch::kFloat32 && dtype != torch::kBFloat16) {
    fail(ErrorKind::Unsupported, "the umT5 encoder computes in f32 or bf16, not {} (umT5 overflows in f16)",
         dtype_name(dtype));
  }
  torch::NoGradGuard no_grad;
  auto convert = [dtype](torch::Tensor& weight) { weight.set_data(weight.to(dtype)); };
  convert(embedding_);
  for (auto& layer : layers_) {
    for (torch::Tensor* weight : {&layer.q, &layer.k, &layer.v, &layer.o, &layer.wi_0, &layer.wi_1, &layer.wo}) {
      convert(*weight);
    }
  }
  compute_dtype_ = dtype;
}

torch::Tensor UMT5EncoderImpl::rms_norm(const torch::Tensor& x, const torch::Tensor& weight) const {
  return x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + config_.eps) * weight;
}

torch::Tensor UMT5EncoderImpl::attention(const torch::Tensor& x, const Layer& layer, const torch::Tensor& buckets,
                                         const torch::Tensor& key_bias) const {
  const int64_t batch = x.size(0);
  const int64_t length = x.size(1);
  const auto input = x.to(compute_dtype_);
  auto heads = [&](const torch::Tensor& weight) {
    return torch::linear(input, weight).view({batch, length, config_.num_heads, config_.d_kv}).transpose(1, 2);
  };
  const auto q = heads(layer.q);
  const auto k = heads(layer.k);
  const auto v = heads(layer.v);
  // No 1/sqrt(d_kv): T5 folds it into the initialisation of q.
  auto scores = torch::matmul(q, k.transpose(-1, -2)).to(torch::kFloat32);
  const auto position_bias = torch::embedding(layer.position_bias, buckets).permute({2, 0, 1}).unsqueeze(0);
  scores = scores + position_bias + key_bias;
  const auto probabilities = torch::softmax(scores, -1).to(compute_dtype_);
  const auto context = torch::matmul(probabilities, v).transpose(1, 2).reshape({batch, length, -1});
  return torch::linear(context, layer.o).to(torch::kFloat32);
}

torch::Tensor UMT5EncoderImpl::feed_forward(const torch::Tensor& x, const Layer& layer) const {
  const auto input = x.to(compute_dtype_);
  const auto gated = torch::gelu(torch::linear(input, layer.wi_0), "tanh") * torch::linear(input, layer.wi_1);
  return torch::linear(gated, layer.wo).to(torch::kFloat32);
}

torch::Tensor UMT5EncoderImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  if (input_ids.dim() != 2 || at::isFloatingType(input_ids.scalar_type()) || input_ids.scalar_type() == torch::kBool) {
    fail(ErrorKind::InvalidArgument, "umT5 input_ids must be an integer tensor [batch, length], got {} {}",
         c10::toString(input_ids.scalar_type()), shape_string(input_ids.sizes()));
  }
  if (attention_mask.sizes() != input_ids.sizes() || at::isFloatingType(attention_mask.scalar_type())) {
    fail(ErrorKind::InvalidArgument, "umT5 attention_mask must be an integer or bool tensor {} like input_ids, got {} {}",
         shape_string(input_ids.sizes()), c10::toString(attention_mask.scalar_type()),
         shape_string(attention_mask.sizes()));
  }
  torch::NoGradGuard no_grad;
  const auto device = embedding_.device();
  const int64_t length = input_ids.size(1);
  if (input_ids.numel() == 0) return torch::zeros({input_ids.size(0), length, config_.d_model}, device);
  const auto ids = input_ids.to(device, torch::kLong);
  const int64_t min_id = ids.min().item<int64_t>();
  const int64_t max_id = ids.max().item<int64_t>();
  if (min_id < 0 || max_id >= config_.vocab_size) {
    fail(ErrorKind::InvalidArgument, "umT5 token ids must lie in [0, {}), found {}..{}", config_.vocab_size, min_id,
         max_id);
  }
  // Padded keys get the most negative float, as transformers does; padded queries are computed normally.
  const auto keep = attention_mask.to(device).to(torch::kBool).view({ids.size(0), 1, 1, length});
  const auto key_bias = torch::zeros(keep.sizes(), torch::TensorOptions(device).dtype(torch::kFloat32))
                            .masked_fill(keep.logical_not(), std::numeric_limits<float>::lowest());
  const auto buckets = umt5_relative_buckets(length, length, config_.num_buckets, config_.max_distance).to(device);

  auto x = torch::embedding(embedding_, ids).to(torch::kFloat32);
  for (const auto& layer : layers_) {
    x = x + attention(rms_norm(x, layer.attention_norm), layer, buckets, key_bias);
    x = x + feed_forward(rms_norm(x, layer.ffn_norm), layer);
  }
  return rms_norm(x, final_norm_);
}

UMT5Encoder load_umt5_encoder(const io::WeightStore& store, torch::Device device, torch::Dtype compute_dtype) {
  static auto log = blade::log::get("text");
  const auto config = UMT5Config::infer(store);
  UMT5Encoder encoder(config);
  encoder->set_compute_dtype(compute_dtype);
  encoder->to(device);
  io::LoadOptions options;
  if (!store.contains("shared.weight")) {
    options.stored_name = [](const std::string& name) {
      return name == "shared.weight" ? std::string("encoder.embed_tokens.weight") : name;
    };
  }
  try {
    io::load_module(*encoder, store, options);
  } catch (const Error&) {
    throw;
  } catch (...) {
    rethrow_as_blade_error(fmt::format("loading the umT5 encoder from {} onto {}", store.root().string(),
                                       device_name(device)));
  }
  encoder->eval();
  log->info("{} ({} compute on {})", config.describe(), dtype_name(compute_dtype), device_name(device));
  return encoder;
}

}  // namespace blade::models
