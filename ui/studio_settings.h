#pragma once
// What BLADE Studio remembers between runs (QSettings): the last request, whether the seed is
// random, the prompt history, model folders, the last folder of exported clips and the window layout.

#include <QString>

class QMainWindow;
class QSettings;

namespace blade::ui {

class GenerationForm;

void save_form(QSettings& settings, const GenerationForm& form);
// Chooses the remembered model folder (else the default one) and restores the controls.
void restore_form(QSettings& settings, GenerationForm& form);

void save_window(QSettings& settings, const QMainWindow& window);
void restore_window(QSettings& settings, QMainWindow& window);

QString last_clip_folder(QSettings& settings);
void set_last_clip_folder(QSettings& settings, const QString& folder);

}  // namespace blade::ui
