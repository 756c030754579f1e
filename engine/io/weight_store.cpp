#include "io/weight_store.h"

#include "core/error.h"
#include "core/log.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace blade::io {
namespace {

namespace fs = std::filesystem;

static auto log = blade::log::get("io");

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_index_file(const fs::path& path) { return ends_with(path.filename().string(), ".safetensors.index.json"); }
bool is_safetensors_file(const fs::path& path) { return ends_with(path.filename().string(), ".safetensors"); }

std::vector<fs::path> files_in(const fs::path& folder, bool (*matches)(const fs::path&)) {
  std::vector<fs::path> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.is_regular_file() && matches(entry.path())) found.push_back(entry.path());
  }
  if (error) {
    fail(ErrorKind::Io, "cannot list the folder {}: {}", folder.string(), error.message());
  }
  std::sort(found.begin(), found.end());
  return found;
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) fail(ErrorKind::Io, "cannot open {}", path.string());
  std::ostringstream text;
  text << stream.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::BadWeights, "{} is not valid JSON: {}", path.string(), e.what());
  }
}

}  // namespace

WeightStore WeightStore::open(const fs::path& path) {
  std::error_code error;
  const auto status = fs::status(path, error);
  if (!fs::exists(status)) {
    fail(ErrorKind::Io, "the weights {} do not exist", path.string());
  }

  WeightStore store;
  store.root_ = path;
  auto add_file = [&store](const fs::path& file) {
    store.files_.push_back(SafetensorsFile::open(file));
    return store.files_.size() - 1;
  };
  // Registers every tensor of files_[file]; a name already owned by another file is an error.
  auto add_all_tensors = [&store](size_t file) {
    for (const TensorRecord& record : store.files_[file]->tensors()) {
      const auto [it, inserted] = store.owner_.emplace(record.name, file);
      if (!inserted) {
        fail(ErrorKind::BadWeights, "tensor '{}' is in both {} and {}", record.name,
             store.files_[it->second]->path().string(), store.files_[file]->path().string());
      }
    }
  };

  auto open_index = [&](const fs::path& index_path) {
    const nlohmann::json index = read_json(index_path);
    const auto map_it = index.is_object() ? index.find("weight_map") : index.end();
    if (map_it == index.end() || !map_it->is_object()) {
      fail(ErrorKind::BadWeights, "{} has no \"weight_map\" object (name -> shard file)",
           index_path.string());
    }
    std::map<std::string, size_t> shard_of_file;
    for (const auto& [name, shard] : map_it->items()) {
      if (!shard.is_string()) {
        fail(ErrorKind::BadWeights, "{}: the shard of tensor '{}' must be a file name but is {}",
             index_path.string(), name, shard.dump());
      }
      const std::string shard_name = shard.get<std::string>();
      auto shard_it = shard_of_file.find(shard_name);
      if (shard_it == shard_of_file.end()) {
        const fs::path shard_path = index_path.parent_path() / shard_name;
        if (!fs::is_regular_file(shard_path)) {
          fail(ErrorKind::BadWeights, "{} lists tensor '{}' in shard {}, which does not exist",
               index_path.string(), name, shard_path.string());
        }
        shard_it = shard_of_file.emplace(shard_name, add_file(shard_path)).first;
      }
      if (!store.files_[shard_it->second]->find(name)) {
        fail(ErrorKind::BadWeights, "{} lists tensor '{}' in shard {}, but that shard does not hold it",
             index_path.string(), name, store.files_[shard_it->second]->path().string());
      }
      store.owner_.emplace(name, shard_it->second);
    }
    log->debug("{}: {} tensors in {} shards", index_path.string(), store.owner_.size(),
               store.files_.size());
  };

  if (fs::is_directory(status)) {
    const auto indexes = files_in(path, is_index_file);
    if (indexes.size() > 1) {
      fail(ErrorKind::BadWeights, "the folder {} holds {} *.safetensors.index.json files ({} and {}); "
           "expected at most one", path.string(), indexes.size(), indexes[0].filename().string(),
           indexes[1].filename().string());
    }
    if (indexes.size() == 1) {
      open_index(indexes[0]);
    } else {
      const auto files = files_in(path, is_safetensors_file);
      if (files.empty()) {
        fail(ErrorKind::BadWeights, "the folder {} holds no weights: looked for a "
             "*.safetensors.index.json file and for *.safetensors files", path.string());
      }
      for (const fs::path& file : files) add_all_tensors(add_file(file));
    }
  } else if (is_index_file(path)) {
    open_index(path);
  } else {
    add_all_tensors(add_file(path));
  }
  return store;
}

std::vector<std::string> WeightStore::names() const {
  std::vector<std::string> result;
  result.reserve(owner_.size());
  for (const auto& [name, file] : owner_) result.push_back(name);
  return result;
}

bool WeightStore::contains(const std::string& name) const { return owner_.count(name) > 0; }

const TensorRecord& WeightStore::record(const std::string& name) const {
  const auto it = owner_.find(name);
  if (it == owner_.end()) {
    fail(ErrorKind::BadWeights, "{}: there is no tensor '{}'", root_.string(), name);
  }
  return *files_[it->second]->find(name);
}

const std::filesystem::path& WeightStore::file_of(const std::string& name) const {
  const auto it = owner_.find(name);
  if (it == owner_.end()) {
    fail(ErrorKind::BadWeights, "{}: there is no tensor '{}'", root_.string(), name);
  }
  return files_[it->second]->path();
}

torch::Tensor WeightStore::load(const std::string& name) const {
  const auto it = owner_.find(name);
  if (it == owner_.end()) {
    fail(ErrorKind::BadWeights, "{}: there is no tensor '{}'", root_.string(), name);
  }
  return files_[it->second]->load(name);
}

int64_t WeightStore::parameter_count() const {
  int64_t count = 0;
  for (const auto& [name, file] : owner_) count += files_[file]->find(name)->numel();
  return count;
}

}  // namespace blade::io
