#include "ui/model_summary.h"

#include "core/error.h"
#include "io/weight_store.h"
#include "models/dit/wan_dit_config.h"
#include "models/vae/wan_vae_config.h"
#include "pipeline/model_folder.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace blade::ui {

ModelSummary inspect_model_folder(const QString& folder) {
  const auto located = pipeline::locate_model(folder.toStdString());
  try {
    const auto dit = models::WanDiTConfig::infer(io::WeightStore::open(located.transformer));
    ModelSummary summary;
    summary.folder = QString::fromStdString(located.root.string());
    summary.id = QString::fromStdString(located.id);
    summary.layout = QString::fromStdString(pipeline::to_string(located.layout));
    summary.layers = dit.num_layers;
    summary.heads = dit.num_heads;
    summary.dim = dit.dim;
    // A pixel-space model (BLADE-mini) has no VAE: sizes only need to fit the patch.
    int64_t spatial_factor = 1, time_factor = 1;
    if (located.codec == pipeline::CodecKind::WanVae) {
      const auto vae = models::WanVAEConfig::infer(io::WeightStore::open(located.vae));
      spatial_factor = vae.spatial_factor();
      time_factor = vae.time_factor();
    }
    summary.size_multiple = spatial_factor * std::max(dit.patch[1], dit.patch[2]);
    summary.frame_multiple = time_factor * dit.patch[0];
    if (located.scheduler_config) {
      std::ifstream in(*located.scheduler_config);
      const auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
      if (!json.is_discarded() && json.contains("flow_shift") && json["flow_shift"].is_number()) {
        summary.default_shift = json["flow_shift"].get<double>();
      }
    }
    summary.recommended = eval::read_recommendation(located.root);
    return summary;
  } catch (...) {
    rethrow_as_blade_error(fmt::format("reading the model folder {}", located.root.string()));
  }
}

}  // namespace blade::ui
