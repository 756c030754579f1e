#include "ui/log_panel.h"

#include "ui/log_relay.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace blade::ui {
namespace {

const char* level_name(int level) {
  static const char* names[] = {"trace", "debug", "info", "warning", "error", "critical", "off"};
  return level >= 0 && level <= 6 ? names[level] : "?";
}

}  // namespace

LogPanel::LogPanel(QWidget* parent) : QWidget(parent) {
  view_ = new QPlainTextEdit(this);
  view_->setObjectName(QStringLiteral("log"));
  view_->setReadOnly(true);
  view_->setMaximumBlockCount(kMaxLines);
  view_->setLineWrapMode(QPlainTextEdit::NoWrap);
  view_->setFont(QFont(QStringLiteral("monospace")));
  level_ = new QComboBox(this);
  for (int level = 0; level <= 4; ++level) level_->addItem(QString::fromLatin1(level_name(level)), level);
  level_->setCurrentIndex(2);
  auto* clear = new QPushButton(tr("Clear"), this);

  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Show from"), this));
  bar->addWidget(level_);
  bar->addStretch(1);
  bar->addWidget(clear);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(bar);
  layout->addWidget(view_, 1);

  connect(clear, &QPushButton::clicked, view_, &QPlainTextEdit::clear);
  connect(&LogRelay::instance(), &LogRelay::message, this, &LogPanel::append, Qt::QueuedConnection);
}

void LogPanel::append(int level, const QString& logger, const QString& text) {
  if (level < level_->currentData().toInt()) return;
  view_->appendPlainText(QStringLiteral("%1 [%2] %3: %4")
                             .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), logger,
                                  QString::fromLatin1(level_name(level)), text));
}

QString LogPanel::text() const { return view_->toPlainText(); }

}  // namespace blade::ui
