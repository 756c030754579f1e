#include "ui/about_dialog.h"

#include "core/version.h"
#include "ui/default_model.h"

#include <torch/version.h>

#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QTabWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace blade::ui {
namespace {

QString card_text(const QString& folder) {
  QFile card(QDir(folder).filePath(QStringLiteral("README.md")));
  if (!card.open(QIODevice::ReadOnly | QIODevice::Text)) {
    return QObject::tr("*%1 has no model card (README.md).*").arg(QDir::toNativeSeparators(folder));
  }
  return QString::fromUtf8(card.readAll());
}

}  // namespace

QStringList model_card_folders(const QString& chosen_model) {
  QStringList folders;
  auto add = [&](const QString& folder) {
    const QString canonical = QFileInfo(folder).canonicalFilePath();
    if (!canonical.isEmpty() && QFileInfo(canonical).isDir() && !folders.contains(canonical)) folders << canonical;
  };
  if (!chosen_model.isEmpty()) add(chosen_model);
  for (const QString& folder : bundled_model_folders()) add(folder);
  return folders;
}

AboutDialog::AboutDialog(const QString& chosen_model, QWidget* parent)
    : QDialog(parent), folders_(model_card_folders(chosen_model)) {
  setWindowTitle(tr("About BLADE Studio"));
  auto* heading = new QLabel(tr("<h3>BLADE Studio %1</h3>"
                                "<p>Text-to-video with the Wan2.1 architecture and BLADE: adaptive block-sparse "
                                "attention trained jointly with few-step distillation.</p>"
                                "<p>LibTorch %2 · Qt %3</p>")
                                 .arg(QString::fromLatin1(kVersion), QStringLiteral(TORCH_VERSION),
                                      QString::fromLatin1(qVersion())),
                             this);
  heading->setObjectName(QStringLiteral("aboutHeading"));
  auto* cards = new QTabWidget(this);
  cards->setObjectName(QStringLiteral("modelCards"));
  for (const QString& folder : folders_) {
    auto* text = new QTextBrowser(cards);
    text->setOpenExternalLinks(true);
    text->setMarkdown(card_text(folder));
    cards->addTab(text, QFileInfo(folder).fileName());
  }
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(heading);
  layout->addWidget(cards, 1);
  layout->addWidget(buttons);
  resize(760, 560);
}

}  // namespace blade::ui
