#include "ui/model_picker.h"

#include "ui/default_model.h"
#include "ui/model_summary.h"

#include "models/dit/wan_lora.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
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

  lora_file_ = new QLineEdit(this);
  lora_file_->setObjectName(QStringLiteral("loraFile"));
  lora_file_->setReadOnly(true);
  lora_file_->setPlaceholderText(tr("no LoRA (base model)"));
  auto* lora_browse = new QToolButton(this);
  lora_browse->setText(tr("LoRA..."));
  lora_browse->setToolTip(tr("Add a LoRA adapter (PEFT safetensors, such as BLADE's pytorch_lora_weights.safetensors)"));
  lora_clear_ = new QToolButton(this);
  lora_clear_->setText(QStringLiteral("\u00d7"));
  lora_clear_->setToolTip(tr("Use the base model without the LoRA"));
  lora_clear_->setEnabled(false);
  lora_scale_ = new QDoubleSpinBox(this);
  lora_scale_->setObjectName(QStringLiteral("loraScale"));
  lora_scale_->setRange(-10.0, 10.0);
  lora_scale_->setSingleStep(0.05);
  lora_scale_->setValue(1.0);
  lora_scale_->setPrefix(tr("scale "));
  lora_scale_->setEnabled(false);

  auto* row = new QHBoxLayout;
  row->addWidget(folders_, 1);
  row->addWidget(browse);
  auto* lora_row = new QHBoxLayout;
  lora_row->addWidget(lora_file_, 1);
  lora_row->addWidget(lora_browse);
  lora_row->addWidget(lora_clear_);
  lora_row->addWidget(lora_scale_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(row);
  layout->addLayout(lora_row);
  layout->addWidget(info_);

  connect(lora_browse, &QToolButton::clicked, this, &ModelPicker::browse_lora);
  connect(lora_clear_, &QToolButton::clicked, this, [this] { setLora({}); });

  connect(browse, &QToolButton::clicked, this, &ModelPicker::browse);
  connect(folders_, &QComboBox::activated, this, [this](int index) { setFolder(folders_->itemData(index).toString()); });
  // The bundled models (BLADE-mini's dense teacher beside it) are always offered, the default on top.
  const QStringList bundled = bundled_model_folders();
  for (auto it = bundled.rbegin(); it != bundled.rend(); ++it) add_recent(*it);
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
    show_error(QString::fromUtf8(e.what()));
    emit modelRejected(clean, error_);
    return false;
  }
}

pipeline::LoraSettings ModelPicker::lora() const {
  pipeline::LoraSettings lora;
  lora.file = lora_file_->text().toStdString();
  if (!lora.file.empty()) lora.scale = lora_scale_->value();
  return lora;
}

bool ModelPicker::setLora(const pipeline::LoraSettings& lora) {
  if (!lora.file.empty()) {
    try {
      const auto summary = models::inspect_lora(lora.file);  // the header only: the window stays responsive
      info_->setText(tr("LoRA %1: %2 adapters, rank %3")
                         .arg(QFileInfo(QString::fromStdString(lora.file)).fileName())
                         .arg(summary.adapters)
                         .arg(summary.rank));
      info_->setStyleSheet(QString());
    } catch (const std::exception& e) {
      show_error(QString::fromUtf8(e.what()));
      return false;
    }
  }
  lora_file_->setText(QString::fromStdString(lora.file));
  lora_file_->setToolTip(QString::fromStdString(lora.file));
  lora_scale_->setValue(lora.scale);
  lora_scale_->setEnabled(!lora.file.empty());
  lora_clear_->setEnabled(!lora.file.empty());
  return true;
}

void ModelPicker::browse_lora() {
  const QString chosen = QFileDialog::getOpenFileName(this, tr("Choose a LoRA file"), folder(),
                                                      tr("LoRA weights (*.safetensors)"));
  if (!chosen.isEmpty()) setLora({chosen.toStdString(), lora_scale_->value()});
}

void ModelPicker::show_error(const QString& error) {
  error_ = error;
  info_->setText(error_);
  info_->setStyleSheet(QStringLiteral("color: #c0392b"));
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
  const bool is_default = clean == QDir::cleanPath(default_model_folder());
  const QStringList bundled = bundled_model_folders();
  const bool is_bundled = bundled.contains(clean);
  folders_->insertItem(0, is_default ? tr("%1 (default)").arg(name) : is_bundled ? tr("%1 (bundled)").arg(name) : name,
                       clean);
  folders_->setItemData(0, clean, Qt::ToolTipRole);
  folders_->setCurrentIndex(0);
  // Keep the list short by dropping the oldest folders the user added; the bundled models stay.
  for (int i = folders_->count() - 1; i > 0 && folders_->count() > kMaxRecentFolders; --i) {
    if (!bundled.contains(folders_->itemData(i).toString())) folders_->removeItem(i);
  }
}

}  // namespace blade::ui
