// The engine worker on its thread: signal order, previews and masks, cancel, errors, and a GUI
// thread that keeps running while a generation does.

#include "gui_test_util.h"
#include "ui/engine_controller.h"
#include "ui/engine_worker.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

using namespace blade;
using namespace blade::ui;

namespace {

StudioJob tiny_job(const std::string& backend = "asa") {
  StudioJob job;
  job.model_folder = test::tiny_model();
  job.request = test::small_request(backend);
  job.label = QStringLiteral("test");
  return job;
}

// Records every signal of a controller as text, in arrival order.
struct EventLog {
  QStringList events;
  std::vector<StepSnapshotPtr> steps;
  GenerationOutputPtr output;
  QString failure;

  explicit EventLog(EngineController& engine) {
    QObject::connect(&engine, &EngineController::jobStarted, [this](const StudioJob& j) { events << QStringLiteral("started %1").arg(j.id); });
    QObject::connect(&engine, &EngineController::stageChanged, [this](quint64, const QString& s) { events << QStringLiteral("stage ") + s; });
    QObject::connect(&engine, &EngineController::stepFinished, [this](const StepSnapshotPtr& s) {
      events << QStringLiteral("step %1").arg(s->index);
      steps.push_back(s);
    });
    QObject::connect(&engine, &EngineController::decodeProgress, [this](quint64, int, int) {
      if (events.isEmpty() || events.back() != QLatin1String("decode")) events << QStringLiteral("decode");
    });
    QObject::connect(&engine, &EngineController::jobFinished, [this](const GenerationOutputPtr& o) {
      events << QStringLiteral("finished");
      output = o;
    });
    QObject::connect(&engine, &EngineController::cancelRequested, [this](quint64) { events << QStringLiteral("cancel requested"); });
    QObject::connect(&engine, &EngineController::jobCancelled, [this](quint64) { events << QStringLiteral("cancelled"); });
    QObject::connect(&engine, &EngineController::jobFailed, [this](quint64, const QString& m) {
      events << QStringLiteral("failed");
      failure = m;
    });
  }
  bool ended() const {
    return !events.isEmpty() && (events.back() == QLatin1String("finished") || events.back() == QLatin1String("cancelled") ||
                                 events.back() == QLatin1String("failed"));
  }
};

}  // namespace

class TestEngineWorker : public QObject {
  Q_OBJECT

 private slots:
  void signals_come_in_pipeline_order() {
    EngineController engine;
    EventLog log(engine);
    const quint64 id = engine.enqueue(tiny_job());
    QTRY_VERIFY_WITH_TIMEOUT(log.ended(), 120000);
    const QStringList expected{QStringLiteral("started %1").arg(id), "stage loading model", "stage encoding text",
                               "stage denoising", "step 0", "step 1", "stage decoding", "decode", "stage done", "finished"};
    QCOMPARE(log.events, expected);
    QVERIFY(!engine.busy());

    // Previews: one per latent frame ((17 - 1) / 4 + 1 = 5) at latent size 64 / 8 = 8.
    QCOMPARE(log.steps.size(), size_t{2});
    for (const auto& step : log.steps) {
      QCOMPARE(step->job_id, id);
      QCOMPARE(step->total, 2);
      QCOMPARE(step->preview.size(), 5);
      QCOMPARE(step->preview.front().size(), QSize(8, 8));
      // One call per layer (the conditional pass), with the mask of the 5x4x4 token grid in blocks of 32.
      QCOMPARE(step->attention.size(), size_t{2});
      for (const auto& call : step->attention) {
        QCOMPARE(call.grid, (std::array<int64_t, 3>{5, 4, 4}));
        QCOMPARE(call.query_blocks, int64_t{3});
        QCOMPARE(call.key_blocks, int64_t{3});
        QCOMPARE(call.heads, int64_t{2});
        QCOMPARE(call.kept_fraction_per_query.size(), size_t{6});
        // fixed sparsity 0.5 keeps ceil(0.5 * 3) = 2 of 3 key blocks in every row.
        for (int64_t h = 0; h < call.heads; ++h) {
          for (int64_t q = 0; q < call.query_blocks; ++q) {
            int kept = 0;
            for (int64_t k = 0; k < call.key_blocks; ++k) kept += call.kept(h, q, k);
            QCOMPARE(kept, 2);
          }
        }
      }
    }
    QVERIFY(log.steps[0]->sigma > log.steps[1]->sigma);
    QVERIFY(log.output);
    QCOMPARE(log.output->job.id, id);
    QCOMPARE(log.output->frames.size(), 17);
    QCOMPARE(log.output->frames.front().size(), QSize(64, 64));
    QCOMPARE(log.output->clip.frame_count(), int64_t{17});
    QVERIFY(log.output->measured_sparsity);
    QVERIFY(std::abs(*log.output->measured_sparsity - 1.0 / 3.0) < 1e-9);
    QCOMPARE(log.output->timings.step_ms.size(), size_t{2});
    QCOMPARE(log.output->model_id, QStringLiteral("wan-tiny"));
  }

  void dense_jobs_carry_no_masks_and_the_model_is_reused() {
    EngineController engine;
    EventLog log(engine);
    engine.enqueue(tiny_job("dense"));
    engine.enqueue(tiny_job("dense"));
    QCOMPARE(engine.pending().size(), 1);  // the first one runs
    QTRY_VERIFY_WITH_TIMEOUT(log.events.count(QStringLiteral("finished")) == 2, 120000);
    QCOMPARE(log.events.count(QStringLiteral("stage loading model")), 1);
    for (const auto& step : log.steps) QVERIFY(step->attention.empty());
    QVERIFY(!log.output->measured_sparsity);
  }

  void cancel_is_acknowledged_at_once_and_stops_at_the_next_step() {
    EngineController engine;
    EventLog log(engine);
    auto job = tiny_job();
    job.request.steps = 40;  // long enough that the cancel lands well before the decode
    job.request.frames = 33;
    job.request.width = job.request.height = 128;
    const quint64 id = engine.enqueue(job);
    bool cancelled_from_step = false;
    connect(&engine, &EngineController::stepFinished, this, [&](const StepSnapshotPtr& step) {
      if (step->index == 0 && !cancelled_from_step) {
        cancelled_from_step = true;
        engine.cancel(id);
        // Acknowledged synchronously, before any engine reply.
        QCOMPARE(log.events.back(), QStringLiteral("cancel requested"));
      }
    });
    QTRY_VERIFY_WITH_TIMEOUT(log.ended(), 120000);
    QCOMPARE(log.events.back(), QStringLiteral("cancelled"));
    QVERIFY(!log.events.contains(QStringLiteral("finished")));
    QVERIFY(!log.events.contains(QStringLiteral("stage decoding")));  // the decode is skipped
    QVERIFY(log.steps.size() < 40);
    QVERIFY(!engine.busy());
  }

  void queued_jobs_can_be_removed_before_they_start() {
    EngineController engine;
    EventLog log(engine);
    engine.enqueue(tiny_job());
    const quint64 second = engine.enqueue(tiny_job());
    QSignalSpy cancelled(&engine, &EngineController::jobCancelled);
    engine.cancel(second);
    QCOMPARE(cancelled.count(), 1);  // at once: it never reached the worker
    QVERIFY(engine.pending().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(log.events.contains(QStringLiteral("finished")), 120000);
    QTest::qWait(200);  // nothing else may arrive: the removed job never runs
    QCOMPARE(log.events.count(QStringLiteral("finished")), 1);
    QCOMPARE(log.events.count(QStringLiteral("stage encoding text")), 1);
  }

  void errors_arrive_as_failed_with_the_reason() {
    EngineController engine;
    EventLog log(engine);
    auto job = tiny_job();
    job.model_folder = QDir::temp().absoluteFilePath(QStringLiteral("no-such-model-folder"));
    engine.enqueue(job);
    QTRY_VERIFY_WITH_TIMEOUT(log.ended(), 60000);
    QCOMPARE(log.events.back(), QStringLiteral("failed"));
    QVERIFY2(log.failure.contains(QStringLiteral("no-such-model-folder")), qPrintable(log.failure));

    // A request that cannot run: 72 is not a multiple of 16.
    EventLog second(engine);
    auto bad = tiny_job();
    bad.request.width = 72;
    engine.enqueue(bad);
    QTRY_VERIFY_WITH_TIMEOUT(second.ended(), 60000);
    QCOMPARE(second.events.back(), QStringLiteral("failed"));
    QVERIFY2(second.failure.contains(QStringLiteral("72")), qPrintable(second.failure));
    QCOMPARE(second.events.count(QStringLiteral("stage loading model")), 0);  // refused before any loading
  }

  void the_gui_thread_never_waits_for_the_engine() {
    EngineController engine;
    EventLog log(engine);
    auto job = tiny_job();
    job.request.steps = 4;
    job.request.frames = 33;
    job.request.width = job.request.height = 128;
    // The model load is part of the measured span too.
    QElapsedTimer clock;
    clock.start();
    qint64 last = 0, worst_gap_ms = 0;
    int ticks = 0;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    ticker.setInterval(5);
    connect(&ticker, &QTimer::timeout, this, [&] {
      const qint64 now = clock.elapsed();
      worst_gap_ms = std::max(worst_gap_ms, now - last);
      last = now;
      ++ticks;
    });
    ticker.start();
    engine.enqueue(job);
    QTRY_VERIFY_WITH_TIMEOUT(log.ended(), 120000);
    ticker.stop();
    QCOMPARE(log.events.back(), QStringLiteral("finished"));
    qInfo("event loop: %d ticks over %lld ms, worst gap %lld ms", ticks, static_cast<long long>(clock.elapsed()),
          static_cast<long long>(worst_gap_ms));
    QVERIFY(ticks > 10);
    QVERIFY2(worst_gap_ms < 50, qPrintable(QStringLiteral("the event loop stalled for %1 ms").arg(worst_gap_ms)));
  }
};

QTEST_MAIN(TestEngineWorker)
#include "test_engine_worker.moc"
