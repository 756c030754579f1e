#pragma once
// Chooses the model folder: the bundled default, recently used folders, or any Wan-layout folder
// from disk. A folder is checked (configs and tensor headers only) as soon as it is chosen. An
// optional LoRA file (e.g. BLADE's pytorch_lora_weights.safetensors) goes on top of the base
// model, checked as soon as it is chosen.

#include "pipeline/generation_request.h"
#include "ui/studio_types.h"

#include <QStringList>
#include <QWidget>

#include <optional>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QToolButton;

namespace blade::ui {

class ModelPicker : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kMaxRecentFolders = 10;  // bundled models count and are never the ones dropped
  explicit ModelPicker(QWidget* parent = nullptr);

  QString folder() const;
  // Checks and selects `folder`; false (and the reason shown) when it is not a usable model.
  bool setFolder(const QString& folder);
  const std::optional<ModelSummary>& summary() const { return summary_; }
  QString error() const { return error_; }

  // The LoRA part of a request (no file: the base model alone).
  pipeline::LoraSettings lora() const;
  // Checks and selects a LoRA file (empty: none); false (and the reason shown) when it is not one.
  bool setLora(const pipeline::LoraSettings& lora);

  QStringList recentFolders() const;  // most recent first
  void setRecentFolders(const QStringList& folders);

 signals:
  void modelChanged(const blade::ui::ModelSummary& summary);
  void modelRejected(const QString& folder, const QString& reason);

 private:
  void browse();
  void browse_lora();
  void add_recent(const QString& folder);
  void show_error(const QString& error);

  QComboBox* folders_ = nullptr;
  QLabel* info_ = nullptr;
  QLineEdit* lora_file_ = nullptr;
  QDoubleSpinBox* lora_scale_ = nullptr;
  QToolButton* lora_clear_ = nullptr;
  std::optional<ModelSummary> summary_;
  QString error_;
};

}  // namespace blade::ui
