// MainWindow: exporting and opening clips, saving the attention report.

#include "ui/main_window.h"

#include "ui/background_task.h"
#include "ui/clip_file.h"
#include "ui/generation_form.h"
#include "ui/mask_inspector.h"
#include "ui/model_picker.h"
#include "ui/studio_settings.h"
#include "ui/timeline_view.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>

namespace blade::ui {

void MainWindow::exportTo(const QString& path) {
  if (!shown_clip_) {
    show_error(tr("Nothing to export"), tr("Generate or open a clip first."));
    emit exportFinished(path, false, last_error_);
    return;
  }
  set_status(tr("Writing %1...").arg(path));
  set_last_clip_folder(*settings_, QFileInfo(path).absolutePath());
  file_threads_.removeIf([](const QPointer<QThread>& thread) { return thread.isNull(); });
  file_threads_.append(run_in_background<bool>(
      this, [path, clip = *shown_clip_] { export_clip(path, clip); return true; },
      [this, path](bool) {
        set_status(tr("Exported %1").arg(path));
        emit exportFinished(path, true, QString());
      },
      [this, path](const QString& message) {
        show_error(tr("Export failed"), message);
        emit exportFinished(path, false, message);
      }));
}

void MainWindow::openClip(const QString& path) {
  set_status(tr("Opening %1...").arg(path));
  set_last_clip_folder(*settings_, QFileInfo(path).absolutePath());
  file_threads_.removeIf([](const QPointer<QThread>& thread) { return thread.isNull(); });
  file_threads_.append(run_in_background<std::shared_ptr<OpenedClip>>(
      this, [path] { return std::make_shared<OpenedClip>(open_clip(path)); },
      [this, path](std::shared_ptr<OpenedClip> clip) { opened(path, *clip); },
      [this](const QString& message) { show_error(tr("Cannot open the clip"), message); }));
}

void MainWindow::opened(const QString& path, const OpenedClip& clip) {
  shown_clip_ = clip.clip;
  timeline_->clear();
  inspector_->clear();
  timeline_->setClip(clip.frames, clip.clip.fps, QFileInfo(path).fileName());
  const bool restorable = clip.request.has_value();
  if (restorable) {
    choose_model_for(clip.model_id);
    form_->setRequest(*clip.request);
    set_status(tr("Opened %1; its settings are restored").arg(path));
  } else {
    set_status(tr("Opened %1 (it holds no BLADE Studio settings)").arg(path));
  }
  update_actions();
  emit clipOpened(path, restorable);
}

void MainWindow::choose_model_for(const QString& model_id) {
  auto* picker = form_->modelPicker();
  if (model_id.isEmpty() || (picker->summary() && picker->summary()->id == model_id)) return;
  for (const QString& folder : picker->recentFolders()) {
    if (QFileInfo(folder).fileName() == model_id && picker->setFolder(folder)) return;
  }
  set_status(tr("The clip was made with the model '%1', which is not among the known folders").arg(model_id));
}

void MainWindow::export_dialog() {
  const QString suggested = QFileInfo(last_clip_folder(*settings_), QStringLiteral("blade-clip.mp4")).filePath();
  const QString path = QFileDialog::getSaveFileName(this, tr("Export clip"), suggested,
                                                    tr("MP4 video (*.mp4);;YUV4MPEG2 (*.y4m)"));
  if (!path.isEmpty()) exportTo(path);
}

void MainWindow::open_dialog() {
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Open clip"), last_clip_folder(*settings_), tr("MP4 video (*.mp4)"));
  if (!path.isEmpty()) openClip(path);
}

void MainWindow::save_mask_dialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save attention report"),
                                                    QFileInfo(last_clip_folder(*settings_), QStringLiteral("attention.png")).filePath(),
                                                    tr("PNG images (*.png)"));
  if (path.isEmpty()) return;
  try {
    inspector_->savePng(path);
    set_status(tr("Saved %1").arg(path));
  } catch (const std::exception& e) {
    show_error(tr("Cannot save the PNG"), QString::fromUtf8(e.what()));
  }
}

}  // namespace blade::ui
