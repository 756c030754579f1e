#pragma once
// All tensors of one model component, wherever they live: a single .safetensors file, a sharded
// checkpoint (*.safetensors.index.json + shards), or a folder holding either.

#include "io/safetensors.h"

#include <torch/nn/module.h>

#include <functional>
#include <set>

namespace blade::io {

class WeightStore {
 public:
  // `path`: a .safetensors file, an *.safetensors.index.json, or a folder with exactly one of
  // those (a folder with several single files loads them all). Throws blade::Error naming the path.
  static WeightStore open(const std::filesystem::path& path);

  const std::filesystem::path& root() const { return root_; }
  std::vector<std::string> names() const;            // sorted
  bool contains(const std::string& name) const;
  const TensorRecord& record(const std::string& name) const;    // throws BadWeights naming root()
  const std::filesystem::path& file_of(const std::string& name) const;
  torch::Tensor load(const std::string& name) const;            // CPU, stored dtype
  int64_t parameter_count() const;

 private:
  std::filesystem::path root_;
  std::vector<std::shared_ptr<const SafetensorsFile>> files_;
  std::map<std::string, size_t> owner_;  // tensor name -> index in files_
};

struct LoadOptions {
  // Maps a module parameter/buffer name to the name stored in the file (identity when empty).
  std::function<std::string(const std::string&)> stored_name;
  // Module names that may be missing from the store (they keep their initial values).
  std::set<std::string> optional;
};

// Copies every parameter and buffer of `module` from `store`, converting floating dtypes to the
// module's. Errors (BadWeights) name the file, the tensor, the expected shape and the found one;
// all missing tensors are listed in one message. Stored tensors the module does not use are
// logged at debug level.
void load_module(torch::nn::Module& module, const WeightStore& store, const LoadOptions& options = {});

}  // namespace blade::io
