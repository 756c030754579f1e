#include "ui/model_picker.h"

#include "ui/default_model.h"
#include "ui/model_summary.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

namespace blade::ui {

ModelPicker::ModelPicker(QWidget* parent) : QWidget(parent) {
  folders_ = new QComboBox(this);
  folders_->setObjectName(QStringLiteral("modelFolder"));
  folders_->setEditable(false);
  folders_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  folders_->setMinimumContentsLength(20);
  auto* browse = new QToolButton(this);
  browse->setText(tr("Open..."));
  browse->setToolTip(tr("Choose a Wan2.1 model folder (diffusers layout or the original file names)"));
  info_ = new QLabel(this);
  info_->setObjectName(QStringLiteral("modelInfo"));
  info_->setWordWrap(true);
  info_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* row = new QHBoxLayout;
  row->addWidget(folders_, 1);
  row->addWidget(browse);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(row);
  layout->addWidget(info_);

  connect(browse, &QToolButton::clicked, this, &ModelPicker::browse);
  connect(folders_, &QComboBox::activated, this, [this](int index) { setFolder(folders_->itemData(index).toString()); });
  add_recent(default_model_folder());
}

QString ModelPicker::folder() const { return summary_ ? summary_->folder : folders_->currentData().toString(); }

bool ModelPicker::setFolder(const QString& folder) {
  const QString clean = QDir::cleanPath(folder);
  try {
    summary_ = inspect_model_folder(clean);
    error_.clear();
    add_recent(clean);
    info_->setText(tr("%1: %2 layers, %3 heads, width %4 (%5 layout)")
                       .arg(summary_->id)
                       .arg(summary_->layers)
                       .arg(summary_->heads)
                       .arg(summary_->dim)
                       .arg(summary_->layout));
    info_->setStyleSheet(QString());
    emit modelChanged(*summary_);
    return true;
  } catch (const std::exception& e) {
    summary_.reset();
    error_ = QString::fromUtf8(e.what());
    info_->setText(error_);
    info_->setStyleSheet(QStringLiteral("color: #c0392b"));
    emit modelRejected(clean, error_);
    return false;
  }
}

QStringList ModelPicker::recentFolders() const {
  QStringList folders;
  for (int i = 0; i < folders_->count(); ++i) folders.push_back(folders_->itemData(i).toString());
  return folders;
}

void ModelPicker::setRecentFolders(const QStringList& folders) {
  for (auto it = folders.rbegin(); it != folders.rend(); ++it) {
    if (QFileInfo(*it).isDir()) add_recent(*it);
  }
}

void ModelPicker::browse() {
  const QString chosen = QFileDialog::getExistingDirectory(this, tr("Choose a model folder"), folder());
  if (!chosen.isEmpty()) setFolder(chosen);
}

void ModelPicker::add_recent(const QString& folder) {
  const QString clean = QDir::cleanPath(folder);
  const int existing = folders_->findData(clean);
  if (existing >= 0) folders_->removeItem(existing);
  const QString name = QFileInfo(clean).fileName();
  folders_->insertItem(0, clean == QDir::cleanPath(default_model_folder()) ? tr("%1 (default)").arg(name) : name, clean);
  folders_->setItemData(0, clean, Qt::ToolTipRole);
  folders_->setCurrentIndex(0);
  while (folders_->count() > 10) folders_->removeItem(folders_->count() - 1);
}

}  // namespace blade::ui
