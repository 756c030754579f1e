// libFuzzer target: each input is a whole safetensors file image (8-byte length, JSON header,
// data), checked by the same validation that SafetensorsFile::open runs on its mapping.
// Build and run: scripts/run_fuzzer.sh [seconds].

#include "io/safetensors_header.h"

#include <cstdio>
#include <cstdlib>

namespace {

// A validated header must keep the promises the reader relies on; anything else is a bug.
void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "safetensors validation let through: %s\n", what);
    std::abort();
  }
}

void check_invariants(const blade::io::SafetensorsImage& image, size_t size) {
  require(image.data_start >= 8 && image.data_start + image.data_size == size, "data section bounds");
  uint64_t previous_end = 0;
  for (const auto& record : image.header.tensors) {
    require(record.begin <= record.end, "begin <= end");
    require(record.end <= image.data_size, "range inside the data section");
    uint64_t numel = 1;
    for (const int64_t dim : record.shape) {
      require(dim >= 0, "non-negative shape");
      numel *= static_cast<uint64_t>(dim);
    }
    require(static_cast<uint64_t>(record.numel()) == numel, "numel");
    require(record.end - record.begin == numel * blade::io::element_size(record.dtype),
            "byte size matches dtype x shape");
    if (record.begin != record.end) {
      require(record.begin >= previous_end, "no overlap");
      previous_end = record.end;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto image = blade::io::validate_safetensors_image(data, size, "fuzz.safetensors");
    check_invariants(image, size);
  } catch (const blade::io::HeaderError&) {
    // Rejected input: the expected outcome for most of them.
  }
  return 0;
}
