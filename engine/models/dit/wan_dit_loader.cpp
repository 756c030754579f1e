#include "core/error.h"
#include "core/device.h"
#include "core/log.h"
#include "io/weight_store.h"
#include "models/dit/wan_dit.h"

#include <torch/torch.h>

#include <chrono>

namespace blade::models {

WanDiT load_wan_dit(const io::WeightStore& store, torch::Device device, torch::Dtype compute_dtype) {
  return load_wan_dit(store, WanDiTConfig::infer(store), device, compute_dtype);
}

WanDiT load_wan_dit(const io::WeightStore& store, const WanDiTConfig& config, torch::Device device,
                    torch::Dtype compute_dtype) {
  static auto log = blade::log::get("dit");
  const auto start = std::chrono::steady_clock::now();
  const WanNameLayout layout = detect_dit_layout(store);
  try {
    torch::NoGradGuard no_grad;
    // Parameters are created uninitialised, directly on the device and in their final dtype, so the
    // weights are copied exactly once.
    WanDiT dit(config, WanDiTPlacement{.device = device, .compute_dtype = compute_dtype, .zero_fill = false});
    io::LoadOptions options;
    if (layout == WanNameLayout::Original) options.stored_name = diffusers_to_original_dit_name;
    io::load_module(*dit, store, options);
    dit->eval();
    log->info("loaded {} ({} names, {}, {}) from {} in {:.0f} ms", config.describe(), to_string(layout),
              device_name(device), dtype_name(compute_dtype), store.root().string(),
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    return dit;
  } catch (const Error&) {
    throw;
  } catch (...) {
    rethrow_as_blade_error("loading the Wan DiT from " + store.root().string());
  }
}

}  // namespace blade::models
