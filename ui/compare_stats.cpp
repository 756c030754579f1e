#include "ui/compare_stats.h"

#include "ui/image_difference.h"

#include <cmath>

namespace blade::ui {

CompareStats compare_outputs(const GenerationOutput& dense, const GenerationOutput& blade) {
  CompareStats stats;
  stats.dense_denoising_s = dense.timings.denoising_s;
  stats.blade_denoising_s = blade.timings.denoising_s;
  stats.dense_total_s = dense.timings.total_s;
  stats.blade_total_s = blade.timings.total_s;
  stats.dense_steps = dense.job.request.steps;
  stats.blade_steps = blade.job.request.steps;
  stats.blade_sparsity = blade.measured_sparsity;
  stats.denoising_speedup = stats.blade_denoising_s > 0.0 ? stats.dense_denoising_s / stats.blade_denoising_s : 0.0;
  stats.total_speedup = stats.blade_total_s > 0.0 ? stats.dense_total_s / stats.blade_total_s : 0.0;
  const bool same_shape = dense.frames.size() == blade.frames.size() && !dense.frames.isEmpty() &&
                          dense.frames.front().size() == blade.frames.front().size();
  if (same_shape) stats.psnr_db = clip_psnr_db(dense.frames, blade.frames);
  return stats;
}

QString stats_table_html(const CompareStats& s) {
  auto seconds = [](double value) { return QStringLiteral("%1 s").arg(value, 0, 'f', 2); };
  const QString sparsity = s.blade_sparsity ? QString::number(*s.blade_sparsity, 'f', 3) : QStringLiteral("-");
  const QString psnr = !s.psnr_db ? QStringLiteral("-")
                       : std::isinf(*s.psnr_db) ? QStringLiteral("identical")
                                                 : QStringLiteral("%1 dB").arg(*s.psnr_db, 0, 'f', 2);
  return QStringLiteral(
             "<table cellspacing='0' cellpadding='3'>"
             "<tr><th></th><th align='right'>dense</th><th align='right'>BLADE</th><th align='right'>speedup</th></tr>"
             "<tr><td>denoising</td><td align='right'>%1</td><td align='right'>%2</td><td align='right'><b>%3x</b></td></tr>"
             "<tr><td>total</td><td align='right'>%4</td><td align='right'>%5</td><td align='right'>%6x</td></tr>"
             "<tr><td>steps</td><td align='right'>%7</td><td align='right'>%8</td><td></td></tr>"
             "<tr><td>sparsity</td><td align='right'>0</td><td align='right'>%9</td><td></td></tr>"
             "<tr><td>PSNR vs dense</td><td></td><td align='right'>%10</td><td></td></tr></table>")
      .arg(seconds(s.dense_denoising_s), seconds(s.blade_denoising_s), QString::number(s.denoising_speedup, 'f', 2),
           seconds(s.dense_total_s), seconds(s.blade_total_s), QString::number(s.total_speedup, 'f', 2),
           QString::number(s.dense_steps), QString::number(s.blade_steps), sparsity)
      .arg(psnr);
}

}  // namespace blade::ui
