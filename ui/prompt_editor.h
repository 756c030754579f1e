#pragma once
// Prompt and negative prompt (multi-line) with a history of the prompts that were generated.

#include <QStringList>
#include <QWidget>

class QComboBox;
class QPlainTextEdit;

namespace blade::ui {

class PromptEditor : public QWidget {
  Q_OBJECT

 public:
  explicit PromptEditor(QWidget* parent = nullptr);

  QString prompt() const;
  QString negativePrompt() const;
  void setPrompt(const QString& prompt);
  void setNegativePrompt(const QString& negative);

  // Most recent first, without duplicates, at most kHistorySize entries.
  void remember(const QString& prompt);
  QStringList history() const { return history_; }
  void setHistory(const QStringList& history);

  static constexpr int kHistorySize = 50;

 private:
  void refresh_history();

  QPlainTextEdit* prompt_ = nullptr;
  QPlainTextEdit* negative_ = nullptr;
  QComboBox* history_box_ = nullptr;
  QStringList history_;
};

}  // namespace blade::ui
