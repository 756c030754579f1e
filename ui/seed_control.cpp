#include "ui/seed_control.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QRandomGenerator>
#include <QRegularExpressionValidator>
#include <QToolButton>

namespace blade::ui {
namespace {

// Seeds stay below 2^53 so that every JSON reader (and a spreadsheet) keeps them exact.
uint64_t draw_seed() { return QRandomGenerator::global()->generate64() & ((uint64_t{1} << 53) - 1); }

}  // namespace

SeedControl::SeedControl(QWidget* parent) : QWidget(parent) {
  seed_ = new QLineEdit(QStringLiteral("42"), this);
  seed_->setObjectName(QStringLiteral("seed"));
  seed_->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{1,19}")), seed_));
  seed_->setToolTip(tr("The seed of the initial noise: the same seed and settings give the same clip"));
  random_ = new QCheckBox(tr("&Random"), this);
  random_->setObjectName(QStringLiteral("randomSeed"));
  random_->setToolTip(tr("Draw a new seed for every generation (the seed used is shown)"));
  auto* dice = new QToolButton(this);
  dice->setText(tr("New"));
  dice->setToolTip(tr("Draw a new seed now"));

  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(seed_, 1);
  layout->addWidget(dice);
  layout->addWidget(random_);

  connect(dice, &QToolButton::clicked, this, [this] { setSeed(draw_seed()); });
}

bool SeedControl::isRandom() const { return random_->isChecked(); }
void SeedControl::setRandom(bool random) { random_->setChecked(random); }
uint64_t SeedControl::seed() const { return seed_->text().toULongLong(); }
void SeedControl::setSeed(uint64_t seed) { seed_->setText(QString::number(seed)); }

uint64_t SeedControl::takeSeed() {
  if (isRandom()) setSeed(draw_seed());
  return seed();
}

}  // namespace blade::ui
