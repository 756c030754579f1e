// Help > About: the version and the model cards of the chosen and the bundled models.

#include "core/version.h"
#include "gui_test_util.h"
#include "ui/about_dialog.h"
#include "ui/default_model.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QtTest>

using namespace blade;
using namespace blade::ui;

class TestAboutDialog : public QObject {
  Q_OBJECT
 private slots:
  void shows_version_and_bundled_model_cards() {
    AboutDialog about(QString{});
    QVERIFY(about.findChild<QLabel*>(QStringLiteral("aboutHeading"))->text().contains(QString::fromLatin1(kVersion)));
    const QString bundled = QFileInfo(default_model_folder()).canonicalFilePath();
    QVERIFY(about.cardFolders().contains(bundled));
    auto* cards = about.findChild<QTabWidget*>(QStringLiteral("modelCards"));
    QCOMPARE(cards->count(), about.cardFolders().size());
    const int index = about.cardFolders().indexOf(bundled);
    QFile readme(QDir(bundled).filePath(QStringLiteral("README.md")));
    QVERIFY(readme.open(QIODevice::ReadOnly));
    const QString first_line = QString::fromUtf8(readme.readLine()).remove(QLatin1Char('#')).trimmed();
    auto* text = qobject_cast<QTextBrowser*>(cards->widget(index));
    QVERIFY2(text->toPlainText().contains(first_line), qPrintable(first_line));
  }

  // The chosen model comes first; one without a README.md says so instead of showing nothing.
  void chosen_model_comes_first_even_without_a_card() {
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("my-model")));
    const QString chosen = QDir(dir.path()).filePath(QStringLiteral("my-model"));
    AboutDialog about(chosen);
    QCOMPARE(about.cardFolders().first(), QFileInfo(chosen).canonicalFilePath());
    auto* cards = about.findChild<QTabWidget*>(QStringLiteral("modelCards"));
    QCOMPARE(cards->tabText(0), QStringLiteral("my-model"));
    QVERIFY(qobject_cast<QTextBrowser*>(cards->widget(0))->toPlainText().contains(QStringLiteral("no model card")));
    QCOMPARE(about.cardFolders().count(about.cardFolders().first()), 1);
  }
};

QTEST_MAIN(TestAboutDialog)
#include "test_about_dialog.moc"
