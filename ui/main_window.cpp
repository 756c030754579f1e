#include "ui/main_window.h"

#include "core/version.h"
#include "ui/about_dialog.h"
#include "ui/compare_view.h"
#include "ui/engine_controller.h"
#include "ui/generation_form.h"
#include "ui/job_queue_view.h"
#include "ui/log_panel.h"
#include "ui/mask_inspector.h"
#include "ui/model_picker.h"
#include "ui/studio_settings.h"
#include "ui/timeline_view.h"

#include <torch/version.h>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QThread>
#include <QVBoxLayout>

namespace blade::ui {

MainWindow::MainWindow(QSettings* settings, QWidget* parent) : QMainWindow(parent), settings_(settings) {
  register_studio_metatypes();
  setWindowTitle(tr("BLADE Studio"));
  setObjectName(QStringLiteral("BladeStudioMainWindow"));
  engine_ = new EngineController(this);

  form_ = new GenerationForm;
  generate_button_ = new QPushButton(tr("&Generate"));
  generate_button_->setObjectName(QStringLiteral("generate"));
  generate_button_->setToolTip(tr("Queue a generation (Ctrl+Enter)"));
  generate_button_->setDefault(true);
  auto* compare_button = new QPushButton(tr("C&ompare"));
  compare_button->setObjectName(QStringLiteral("compareButton"));
  compare_button->setToolTip(tr("Generate with dense attention and with BLADE, same prompt and seed (Ctrl+Shift+Enter)"));
  cancel_button_ = new QPushButton(tr("&Cancel"));
  cancel_button_->setObjectName(QStringLiteral("cancel"));
  cancel_button_->setToolTip(tr("Stop the running generation after its current step (Esc)"));
  progress_ = new QProgressBar;
  progress_->setObjectName(QStringLiteral("progress"));
  progress_->setTextVisible(true);
  progress_->setRange(0, 1);
  progress_->setValue(0);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(generate_button_, 2);
  buttons->addWidget(compare_button, 1);
  buttons->addWidget(cancel_button_, 1);
  auto* scroll = new QScrollArea;
  scroll->setWidget(form_);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  auto* left = new QWidget;
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(0, 0, 0, 0);
  left_layout->addWidget(scroll, 1);
  left_layout->addLayout(buttons);
  left_layout->addWidget(progress_);
  left->setMinimumWidth(340);

  timeline_ = new TimelineView;
  inspector_ = new MaskInspector;
  compare_ = new CompareView;
  tabs_ = new QTabWidget;
  tabs_->setObjectName(QStringLiteral("views"));
  tabs_->addTab(timeline_, tr("&Timeline"));
  tabs_->addTab(inspector_, tr("&Attention"));
  tabs_->addTab(compare_, tr("Com&pare"));

  auto* splitter = new QSplitter;
  splitter->addWidget(left);
  splitter->addWidget(tabs_);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({400, 1000});
  setCentralWidget(splitter);

  log_ = new LogPanel;
  auto* log_dock = new QDockWidget(tr("Log"), this);
  log_dock->setObjectName(QStringLiteral("logDock"));
  log_dock->setWidget(log_);
  addDockWidget(Qt::BottomDockWidgetArea, log_dock);
  queue_ = new JobQueueView(engine_);
  auto* queue_dock = new QDockWidget(tr("Queue"), this);
  queue_dock->setObjectName(QStringLiteral("queueDock"));
  queue_dock->setWidget(queue_);
  addDockWidget(Qt::BottomDockWidgetArea, queue_dock);
  tabifyDockWidget(log_dock, queue_dock);
  log_dock->raise();
  resizeDocks({log_dock}, {150}, Qt::Vertical);

  status_ = new QLabel(tr("Ready"));
  status_->setObjectName(QStringLiteral("status"));
  statusBar()->addWidget(status_, 1);

  build_menus();
  connect(generate_button_, &QPushButton::clicked, this, &MainWindow::generate);
  connect(compare_button, &QPushButton::clicked, this, &MainWindow::compare);
  connect(cancel_button_, &QPushButton::clicked, this, &MainWindow::cancel);
  connect_engine();

  resize(1400, 900);
  restore_form(*settings_, *form_);
  restore_window(*settings_, *this);
  update_actions();
}

MainWindow::~MainWindow() {
  for (const auto& thread : file_threads_) {
    if (thread) thread->wait();
  }
}

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open clip..."), this, &MainWindow::open_dialog);
  open->setShortcut(QKeySequence::Open);
  export_action_ = file->addAction(tr("&Export MP4..."), this, &MainWindow::export_dialog);
  export_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  QAction* save_mask = file->addAction(tr("Save attention &PNG..."), this, &MainWindow::save_mask_dialog);
  save_mask->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* run = menuBar()->addMenu(tr("&Generate"));
  QAction* generate = run->addAction(tr("&Generate"), this, &MainWindow::generate);
  generate->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
  QAction* compare = run->addAction(tr("&Compare dense vs BLADE"), this, &MainWindow::compare);
  compare->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return));
  cancel_action_ = run->addAction(tr("C&ancel"), this, &MainWindow::cancel);
  cancel_action_->setShortcut(QKeySequence(Qt::Key_Escape));

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (int i = 0; i < tabs_->count(); ++i) {
    QAction* show = view->addAction(tabs_->tabText(i).remove(QLatin1Char('&')), this, [this, i] { tabs_->setCurrentIndex(i); });
    show->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
  }
  QAction* focus_prompt = view->addAction(tr("Edit &prompt"), this, [this] {
    if (auto* prompt = form_->findChild<QWidget*>(QStringLiteral("prompt"))) prompt->setFocus();
  });
  focus_prompt->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
  view->addSeparator();
  for (auto* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About BLADE Studio"), this, &MainWindow::showAbout);
  help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::showAbout() {
  auto* about = new AboutDialog(form_->modelPicker()->folder(), this);
  about->setObjectName(QStringLiteral("aboutDialog"));
  about->setAttribute(Qt::WA_DeleteOnClose);
  about->open();
}

QString MainWindow::statusText() const { return status_->text(); }

void MainWindow::set_status(const QString& text) { status_->setText(text); }

void MainWindow::show_error(const QString& title, const QString& message) {
  last_error_ = message;
  set_status(message);
  auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
  box->setObjectName(QStringLiteral("errorBox"));
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();  // not exec(): the engine keeps reporting while the box is up
  emit errorShown(message);
}

void MainWindow::update_actions() {
  const bool running = engine_->busy();
  cancel_button_->setEnabled(running);
  cancel_action_->setEnabled(running);
  export_action_->setEnabled(shown_clip_.has_value());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  save_form(*settings_, *form_);
  save_window(*settings_, *this);
  settings_->sync();
  engine_->cancelAll();
  QMainWindow::closeEvent(event);
}

}  // namespace blade::ui
