#pragma once
// Chooses the model folder: the bundled default, recently used folders, or any Wan-layout folder
// from disk. A folder is checked (configs and tensor headers only) as soon as it is chosen.

#include "ui/studio_types.h"

#include <QStringList>
#include <QWidget>

#include <optional>

class QComboBox;
class QLabel;

namespace blade::ui {

class ModelPicker : public QWidget {
  Q_OBJECT

 public:
  explicit ModelPicker(QWidget* parent = nullptr);

  QString folder() const;
  // Checks and selects `folder`; false (and the reason shown) when it is not a usable model.
  bool setFolder(const QString& folder);
  const std::optional<ModelSummary>& summary() const { return summary_; }
  QString error() const { return error_; }

  QStringList recentFolders() const;  // most recent first
  void setRecentFolders(const QStringList& folders);

 signals:
  void modelChanged(const blade::ui::ModelSummary& summary);
  void modelRejected(const QString& folder, const QString& reason);

 private:
  void browse();
  void add_recent(const QString& folder);

  QComboBox* folders_ = nullptr;
  QLabel* info_ = nullptr;
  std::optional<ModelSummary> summary_;
  QString error_;
};

}  // namespace blade::ui
