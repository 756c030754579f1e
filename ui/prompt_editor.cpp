#include "ui/prompt_editor.h"

#include <QComboBox>
#include <QFormLayout>
#include <QPlainTextEdit>

namespace blade::ui {

PromptEditor::PromptEditor(QWidget* parent) : QWidget(parent) {
  prompt_ = new QPlainTextEdit(this);
  prompt_->setObjectName(QStringLiteral("prompt"));
  prompt_->setPlaceholderText(tr("Describe the clip: subject, motion, camera, light, style"));
  prompt_->setTabChangesFocus(true);
  prompt_->setMinimumHeight(64);
  prompt_->setMaximumHeight(120);
  negative_ = new QPlainTextEdit(this);
  negative_->setObjectName(QStringLiteral("negativePrompt"));
  negative_->setPlaceholderText(tr("What the clip should not show (used when guidance > 1)"));
  negative_->setTabChangesFocus(true);
  negative_->setMaximumHeight(56);
  history_box_ = new QComboBox(this);
  history_box_->setObjectName(QStringLiteral("promptHistory"));
  history_box_->setToolTip(tr("Prompts generated before; choose one to edit it again"));
  history_box_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  history_box_->setMinimumContentsLength(16);

  auto* layout = new QFormLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addRow(tr("&Prompt"), prompt_);
  layout->addRow(tr("&Negative"), negative_);
  layout->addRow(tr("&History"), history_box_);

  connect(history_box_, &QComboBox::activated, this, [this](int index) {
    if (index > 0 && index - 1 < history_.size()) setPrompt(history_[index - 1]);
  });
  refresh_history();
}

QString PromptEditor::prompt() const { return prompt_->toPlainText().trimmed(); }
QString PromptEditor::negativePrompt() const { return negative_->toPlainText().trimmed(); }
void PromptEditor::setPrompt(const QString& prompt) { prompt_->setPlainText(prompt); }
void PromptEditor::setNegativePrompt(const QString& negative) { negative_->setPlainText(negative); }

void PromptEditor::remember(const QString& prompt) {
  const QString text = prompt.trimmed();
  if (text.isEmpty()) return;
  history_.removeAll(text);
  history_.prepend(text);
  while (history_.size() > kHistorySize) history_.removeLast();
  refresh_history();
}

void PromptEditor::setHistory(const QStringList& history) {
  history_.clear();
  for (auto it = history.rbegin(); it != history.rend(); ++it) remember(*it);
}

void PromptEditor::refresh_history() {
  history_box_->clear();
  history_box_->addItem(history_.isEmpty() ? tr("(no prompts yet)") : tr("(%n earlier prompt(s))", "", history_.size()));
  for (const QString& text : history_) {
    QString shown = text;
    shown.replace(QLatin1Char('\n'), QLatin1Char(' '));
    if (shown.size() > 80) shown = shown.left(77) + QStringLiteral("...");
    history_box_->addItem(shown);
    history_box_->setItemData(history_box_->count() - 1, text, Qt::ToolTipRole);
  }
}

}  // namespace blade::ui
