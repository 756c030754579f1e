#pragma once
// The seed: fixed (typed) or drawn anew for every generation; the seed used is always shown.

#include <QWidget>

#include <cstdint>

class QCheckBox;
class QLineEdit;

namespace blade::ui {

class SeedControl : public QWidget {
  Q_OBJECT

 public:
  explicit SeedControl(QWidget* parent = nullptr);

  bool isRandom() const;
  void setRandom(bool random);
  uint64_t seed() const;  // the shown seed
  void setSeed(uint64_t seed);
  // The seed for the next generation: a fresh one (then shown) when random, else the shown one.
  uint64_t takeSeed();

 private:
  QLineEdit* seed_ = nullptr;
  QCheckBox* random_ = nullptr;
};

}  // namespace blade::ui
