#pragma once
// The attention back end as artists see it: a sparsity slider (0 = dense attention, up to 0.95 of
// the key blocks skipped), the mode (ASA, or ASA-GT with pooled global tokens), an adaptive
// switch (keep blocks up to the energy threshold instead of a fixed share) and the block size.

#include "pipeline/generation_request.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;

namespace blade::ui {

class AttentionControls : public QWidget {
  Q_OBJECT

 public:
  explicit AttentionControls(QWidget* parent = nullptr);

  pipeline::AttentionSettings settings() const;
  // Settings the controls cannot show (tau, keep bounds, probe size) are kept and given back.
  void setSettings(const pipeline::AttentionSettings& settings);

  double sparsity() const;  // the slider, 0 ... 0.95
  void setSparsity(double sparsity);

  static constexpr int kSliderMax = 95;  // hundredths

 signals:
  void changed();

 private:
  void update_state();

  QSlider* sparsity_ = nullptr;
  QLabel* sparsity_label_ = nullptr;
  QComboBox* mode_ = nullptr;
  QCheckBox* adaptive_ = nullptr;
  QComboBox* block_ = nullptr;
  attention::AsaSettings base_;
};

}  // namespace blade::ui
