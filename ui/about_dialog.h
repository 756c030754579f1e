#pragma once
// Help > About: the version of BLADE Studio and LibTorch, and the model cards (README.md) of the
// chosen model and of the bundled models beside the default one.

#include <QDialog>
#include <QString>
#include <QStringList>

namespace blade::ui {

class AboutDialog : public QDialog {
  Q_OBJECT

 public:
  // chosen_model: the folder open in the studio (may be empty). Each folder's README.md is shown
  // once, the chosen model's first; folders without a card are listed as such.
  explicit AboutDialog(const QString& chosen_model, QWidget* parent = nullptr);

  // The model folders whose cards the dialog shows, in order.
  const QStringList& cardFolders() const { return folders_; }

 private:
  QStringList folders_;
};

// The folders the dialog looks at: chosen_model, then bundled_model_folders(), without duplicates.
QStringList model_card_folders(const QString& chosen_model);

}  // namespace blade::ui
