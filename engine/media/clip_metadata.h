#pragma once
// The names of the settings stored with a clip (Clip::metadata, written as MP4 container metadata
// or as the Y4M sidecar JSON). Values are UTF-8 text; numbers are written in decimal.

namespace blade::media::metadata_keys {

inline constexpr const char* kPrompt = "blade.prompt";
inline constexpr const char* kNegativePrompt = "blade.negative_prompt";
inline constexpr const char* kSeed = "blade.seed";
inline constexpr const char* kSteps = "blade.steps";
inline constexpr const char* kGuidance = "blade.guidance";
inline constexpr const char* kShift = "blade.shift";
inline constexpr const char* kSampler = "blade.sampler";
inline constexpr const char* kAttention = "blade.attention";
inline constexpr const char* kModel = "blade.model";
inline constexpr const char* kWeightsHash = "blade.weights_hash";
inline constexpr const char* kFrames = "blade.frames";
inline constexpr const char* kSize = "blade.size";        // "<width>x<height>"
inline constexpr const char* kVersion = "blade.version";  // BLADE Studio's version
inline constexpr const char* kRequest = "blade.request";  // the whole generation request as JSON

inline constexpr const char* kAll[] = {kPrompt, kNegativePrompt, kSeed,   kSteps,       kGuidance,
                                       kShift,  kSampler,        kAttention, kModel,    kWeightsHash,
                                       kFrames, kSize,           kVersion, kRequest};

}  // namespace blade::media::metadata_keys
