#pragma once
// The job queue as a list: the running job (with its stage) first, then the waiting ones; the
// selected job can be cancelled or removed.

#include <QWidget>

class QListWidget;
class QPushButton;

namespace blade::ui {

class EngineController;

class JobQueueView : public QWidget {
  Q_OBJECT

 public:
  explicit JobQueueView(EngineController* controller, QWidget* parent = nullptr);

  QListWidget* list() const { return list_; }
  int rowCount() const;

 private:
  void refresh();

  EngineController* controller_;
  QListWidget* list_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QString stage_;
};

}  // namespace blade::ui
