#include "ui/job_queue_view.h"

#include "ui/engine_controller.h"

#include <QHBoxLayout>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace blade::ui {

JobQueueView::JobQueueView(EngineController* controller, QWidget* parent) : QWidget(parent), controller_(controller) {
  list_ = new QListWidget(this);
  list_->setObjectName(QStringLiteral("jobQueue"));
  list_->setSelectionMode(QAbstractItemView::SingleSelection);
  cancel_ = new QPushButton(tr("Cancel selected"), this);
  auto* cancel_all = new QPushButton(tr("Cancel all"), this);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(cancel_);
  buttons->addWidget(cancel_all);
  buttons->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(list_, 1);
  layout->addLayout(buttons);

  connect(controller_, &EngineController::queueChanged, this, &JobQueueView::refresh);
  connect(controller_, &EngineController::jobStarted, this, [this] {
    stage_.clear();
    refresh();
  });
  connect(controller_, &EngineController::stageChanged, this, [this](quint64, const QString& stage) {
    stage_ = stage;
    refresh();
  });
  connect(controller_, &EngineController::cancelRequested, this, [this] {
    stage_ = tr("cancelling");
    refresh();
  });
  connect(cancel_, &QPushButton::clicked, this, [this] {
    if (auto* item = list_->currentItem()) controller_->cancel(item->data(Qt::UserRole).toULongLong());
  });
  connect(cancel_all, &QPushButton::clicked, controller_, &EngineController::cancelAll);
  refresh();
}

int JobQueueView::rowCount() const { return list_->count(); }

void JobQueueView::refresh() {
  const quint64 selected = list_->currentItem() ? list_->currentItem()->data(Qt::UserRole).toULongLong() : 0;
  list_->clear();
  auto add = [this, selected](const StudioJob& job, const QString& state) {
    auto* item = new QListWidgetItem(QStringLiteral("#%1 %2  %3").arg(job.id).arg(state, job.label), list_);
    item->setData(Qt::UserRole, QVariant::fromValue(job.id));
    item->setToolTip(QString::fromStdString(job.request.prompt));
    if (job.id == selected) list_->setCurrentItem(item);
  };
  if (const auto& current = controller_->current()) add(*current, QStringLiteral("[%1]").arg(stage_.isEmpty() ? tr("starting") : stage_));
  for (const auto& job : controller_->pending()) add(job, tr("[waiting]"));
  cancel_->setEnabled(list_->count() > 0);
}

}  // namespace blade::ui
