#pragma once
// The numbers of a dense vs BLADE comparison: time, steps, sparsity, speedup and fidelity.

#include "ui/studio_types.h"

#include <QString>

#include <optional>

namespace blade::ui {

struct CompareStats {
  double dense_denoising_s = 0.0;
  double blade_denoising_s = 0.0;
  double dense_total_s = 0.0;
  double blade_total_s = 0.0;
  int dense_steps = 0;
  int blade_steps = 0;
  std::optional<double> blade_sparsity;  // measured
  double denoising_speedup = 0.0;        // dense / BLADE seconds
  double total_speedup = 0.0;
  std::optional<double> psnr_db;         // BLADE against dense, when the clips have the same shape
};

CompareStats compare_outputs(const GenerationOutput& dense, const GenerationOutput& blade);

// An HTML table for the compare view.
QString stats_table_html(const CompareStats& stats);

}  // namespace blade::ui
