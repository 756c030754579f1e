#include "train/checkpoint.h"

#include "core/error.h"
#include "core/log.h"
#include "io/safetensors.h"
#include "train/atomic_write.h"

#include <fmt/format.h>

#include <fstream>

namespace blade::train {
namespace fs = std::filesystem;
namespace {

constexpr int kFormat = 1;

fs::path side_file(const fs::path& run_dir) { return run_dir / "checkpoint.json"; }

void remove_other_tensor_files(const fs::path& run_dir, const std::string& keep) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(run_dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("checkpoint-", 0) == 0 && entry.path().extension() == ".safetensors" && name != keep) {
      fs::remove(entry.path(), error);
    }
  }
}

}  // namespace

void save_checkpoint(const fs::path& run_dir, const std::string& kind, int64_t iteration, const NamedTensors& tensors,
                     nlohmann::json info) {
  static auto log = blade::log::get("train");
  std::error_code error;
  fs::create_directories(run_dir, error);
  const std::string file = fmt::format("checkpoint-{:08d}.safetensors", iteration);
  std::vector<std::pair<std::string, torch::Tensor>> cpu;
  cpu.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) cpu.emplace_back(name, tensor.detach());
  io::write_safetensors(run_dir / file, cpu, {{"kind", kind}, {"iteration", std::to_string(iteration)}});
  info["format"] = kFormat;
  info["kind"] = kind;
  info["iteration"] = iteration;
  info["tensors"] = file;
  write_file_atomically(side_file(run_dir), info.dump(2) + "\n");
  remove_other_tensor_files(run_dir, file);
  log->info("checkpoint at iteration {} -> {}", iteration, (run_dir / file).string());
}

bool has_checkpoint(const fs::path& run_dir) {
  std::error_code error;
  return fs::is_regular_file(side_file(run_dir), error);
}

nlohmann::json read_checkpoint_info(const fs::path& run_dir, const std::string& kind) {
  const fs::path path = side_file(run_dir);
  if (!has_checkpoint(run_dir)) {
    fail(ErrorKind::Io, "no checkpoint to resume from in {} (expected {})", run_dir.string(), path.string());
  }
  std::ifstream in(path);
  nlohmann::json info;
  try {
    info = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::BadWeights, "{} is not valid JSON: {}", path.string(), e.what());
  }
  if (info.value("format", 0) != kFormat || !info.contains("tensors") || !info.contains("iteration")) {
    fail(ErrorKind::BadWeights, "{} is not a checkpoint side file of format {} (fields format, tensors, iteration)",
         path.string(), kFormat);
  }
  if (info.value("kind", std::string()) != kind) {
    fail(ErrorKind::BadWeights, "{} holds a '{}' checkpoint, expected '{}'", path.string(),
         info.value("kind", std::string("?")), kind);
  }
  return info;
}

Checkpoint load_checkpoint(const fs::path& run_dir, const std::string& kind) {
  Checkpoint checkpoint;
  checkpoint.info = read_checkpoint_info(run_dir, kind);
  checkpoint.source = run_dir / checkpoint.info["tensors"].get<std::string>();
  const auto file = io::SafetensorsFile::open(checkpoint.source);
  for (const auto& record : file->tensors()) checkpoint.tensors.emplace(record.name, file->load(record.name));
  return checkpoint;
}

}  // namespace blade::train
