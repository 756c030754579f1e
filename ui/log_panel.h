#pragma once
// The log panel: every engine and studio message (spdlog), newest at the bottom, with a level filter.

#include <QWidget>

class QComboBox;
class QPlainTextEdit;

namespace blade::ui {

class LogPanel : public QWidget {
  Q_OBJECT

 public:
  explicit LogPanel(QWidget* parent = nullptr);

  void append(int level, const QString& logger, const QString& text);
  QString text() const;

  static constexpr int kMaxLines = 5000;

 private:
  QPlainTextEdit* view_ = nullptr;
  QComboBox* level_ = nullptr;
};

}  // namespace blade::ui
