#pragma once
// Denoising settings: steps (1-50), guidance scale, sampler, schedule shift, and TDM's re-noising eta.

#include "sampling/sampler.h"
#include "sampling/schedule.h"

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;

namespace blade::ui {

class SamplingControls : public QWidget {
  Q_OBJECT

 public:
  explicit SamplingControls(QWidget* parent = nullptr);

  int steps() const;
  void setSteps(int steps);
  double guidance() const;
  void setGuidance(double guidance);
  sampling::SamplerKind sampler() const;
  void setSampler(sampling::SamplerKind sampler);
  double shift() const;
  void setShift(double shift);
  double eta() const;
  void setEta(double eta);
  // Not shown; kept so that a restored request is given back unchanged.
  sampling::ScheduleKind schedule() const { return schedule_; }
  void setSchedule(sampling::ScheduleKind schedule) { schedule_ = schedule; }

  static constexpr int kMaxSteps = 50;

 private:
  QSlider* steps_ = nullptr;
  QLabel* steps_label_ = nullptr;
  QDoubleSpinBox* guidance_ = nullptr;
  QComboBox* sampler_ = nullptr;
  QDoubleSpinBox* shift_ = nullptr;
  QDoubleSpinBox* eta_ = nullptr;  // enabled for the TDM sampler only
  sampling::ScheduleKind schedule_ = sampling::ScheduleKind::Diffusers;
};

}  // namespace blade::ui
