#pragma once
// BLADE Studio's main window: the generation form on the left; timeline, attention inspector and
// compare view as tabs; log and job queue as docks. It only edits requests and shows engine
// events; the EngineController runs everything off the GUI thread.

#include "core/clip.h"
#include "ui/studio_types.h"

#include <QMainWindow>
#include <QPointer>

#include <optional>

class QAction;
class QLabel;
class QProgressBar;
class QPushButton;
class QSettings;
class QTabWidget;

namespace blade::ui {

class CompareView;
class EngineController;
class GenerationForm;
class JobQueueView;
class LogPanel;
class MaskInspector;
class TimelineView;
struct OpenedClip;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  // `settings` is read now and written when the window closes; it must outlive the window.
  explicit MainWindow(QSettings* settings, QWidget* parent = nullptr);
  ~MainWindow() override;

  GenerationForm* form() const { return form_; }
  EngineController* engine() const { return engine_; }
  TimelineView* timeline() const { return timeline_; }
  MaskInspector* inspector() const { return inspector_; }
  CompareView* compareView() const { return compare_; }
  JobQueueView* queueView() const { return queue_; }
  LogPanel* logPanel() const { return log_; }
  QTabWidget* tabs() const { return tabs_; }
  QString statusText() const;
  QString lastError() const { return last_error_; }
  const GenerationOutputPtr& lastOutput() const { return last_output_; }

 public slots:
  // Queue the form's request. Returns the job id, 0 when the form is not valid (error shown).
  quint64 generate();
  // Queue the same prompt and seed twice: dense attention and BLADE. Returns the BLADE job id.
  quint64 compare();
  void cancel();
  // Writes the clip on screen (atomically); emits exportFinished.
  void exportTo(const QString& path);
  // Shows the clip and restores its settings when it has them; emits clipOpened.
  void openClip(const QString& path);
  void showAbout();

 signals:
  void exportFinished(const QString& path, bool ok, const QString& message);
  void clipOpened(const QString& path, bool settings_restored);
  void errorShown(const QString& message);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void build_menus();
  void connect_engine();
  void job_started(const StudioJob& job);
  void step_finished(const StepSnapshotPtr& step);
  void job_finished(const GenerationOutputPtr& output);
  void job_cancelled(quint64 id);
  void job_failed(quint64 id, const QString& message);
  void opened(const QString& path, const OpenedClip& clip);
  void choose_model_for(const QString& model_id);
  void show_error(const QString& title, const QString& message);
  void set_status(const QString& text);
  void update_actions();
  void export_dialog();
  void open_dialog();
  void save_mask_dialog();

  QSettings* settings_;
  EngineController* engine_ = nullptr;
  GenerationForm* form_ = nullptr;
  TimelineView* timeline_ = nullptr;
  MaskInspector* inspector_ = nullptr;
  CompareView* compare_ = nullptr;
  JobQueueView* queue_ = nullptr;
  LogPanel* log_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  QPushButton* generate_button_ = nullptr;
  QPushButton* cancel_button_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* status_ = nullptr;
  QAction* cancel_action_ = nullptr;
  QAction* export_action_ = nullptr;
  QList<QPointer<QThread>> file_threads_;

  quint64 shown_job_ = 0;  // the job the timeline follows
  GenerationOutputPtr last_output_;
  std::optional<Clip> shown_clip_;  // what Export writes
  QString last_error_;
  struct PendingCompare {
    quint64 dense_id = 0;
    quint64 blade_id = 0;
    GenerationOutputPtr dense;
    GenerationOutputPtr blade;
  };
  std::optional<PendingCompare> compare_pending_;
};

}  // namespace blade::ui
