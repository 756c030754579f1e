#pragma once
// Helpers shared by the GUI tests: the tiny fixture model, small requests, synthetic clips.

#include "pipeline/generation_request.h"
#include "test_tensors.h"
#include "ui/studio_types.h"

#include <QImage>
#include <QRandomGenerator>
#include <QString>

namespace blade::test {

inline QString tiny_model() { return QString::fromStdString(fixture("wan-tiny").string()); }

// A request the tiny model runs in about a second on the CPU.
inline pipeline::GenerationRequest small_request(const std::string& backend = "asa") {
  pipeline::GenerationRequest request;
  request.prompt = "a red fox runs through snow";
  request.negative_prompt = "blurry";
  request.seed = 1234;
  request.steps = 2;
  request.guidance = 5.0;
  request.frames = 17;
  request.width = 64;
  request.height = 64;
  request.attention.backend = backend;
  request.attention.asa.block_size = 32;
  if (backend != "dense") request.attention.asa.fixed_sparsity = 0.5;
  return request;
}

inline QImage random_image(int width, int height, QRandomGenerator& random) {
  QImage image(width, height, QImage::Format_RGB888);
  for (int y = 0; y < height; ++y) {
    uchar* line = image.scanLine(y);
    for (int x = 0; x < width * 3; ++x) line[x] = static_cast<uchar>(random.bounded(256));
  }
  return image;
}

// A finished generation with random frames, for views that only display outputs.
inline ui::GenerationOutputPtr synthetic_output(const std::string& backend, int frames, int width, int height,
                                                double denoising_s, uint32_t seed) {
  QRandomGenerator random(seed);
  auto output = std::make_shared<ui::GenerationOutput>();
  output->job.request = small_request(backend);
  output->job.request.frames = frames;
  for (int f = 0; f < frames; ++f) output->frames.push_back(random_image(width, height, random));
  output->clip.fps = 16.0;
  output->timings.denoising_s = denoising_s;
  output->timings.total_s = denoising_s + 0.5;
  if (backend != "dense") output->measured_sparsity = 0.5;
  return output;
}

}  // namespace blade::test
