// The form's controls map onto a GenerationRequest and back.

#include "core/error.h"
#include "gui_test_util.h"
#include "ui/attention_controls.h"
#include "ui/clip_controls.h"
#include "ui/clip_presets.h"
#include "ui/default_model.h"
#include "ui/generation_form.h"
#include "ui/model_picker.h"
#include "ui/prompt_editor.h"
#include "ui/sampling_controls.h"
#include "ui/seed_control.h"

#include <nlohmann/json.hpp>

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest>

using namespace blade;
using namespace blade::ui;

class TestRequestMapping : public QObject {
  Q_OBJECT

 private slots:
  void controls_fill_every_field() {
    GenerationForm form;
    QVERIFY(form.modelPicker()->setFolder(test::tiny_model()));
    form.promptEditor()->setPrompt(QStringLiteral("  a lighthouse in a storm \n"));
    form.promptEditor()->setNegativePrompt(QStringLiteral("static"));
    form.seedControl()->setRandom(false);
    form.seedControl()->setSeed(987654321012ull);
    form.findChild<QSlider*>(QStringLiteral("steps"))->setValue(7);
    form.samplingControls()->setGuidance(3.5);
    form.samplingControls()->setSampler(sampling::SamplerKind::Euler);
    form.samplingControls()->setShift(2.0);
    form.clipControls()->setFrames(33);
    form.clipControls()->setClipSize({256, 144});
    auto* sparsity = form.findChild<QSlider*>(QStringLiteral("sparsity"));
    sparsity->setValue(80);
    auto* mode = form.findChild<QComboBox*>(QStringLiteral("attentionMode"));
    mode->setCurrentIndex(mode->findData(QStringLiteral("asa-gt")));
    auto* block = form.findChild<QComboBox*>(QStringLiteral("blockSize"));
    block->setCurrentIndex(block->findData(64));

    const auto r = form.request();
    QCOMPARE(r.prompt, std::string("a lighthouse in a storm"));
    QCOMPARE(r.negative_prompt, std::string("static"));
    QCOMPARE(r.seed, uint64_t{987654321012ull});
    QCOMPARE(r.steps, 7);
    QCOMPARE(r.guidance, 3.5);
    QCOMPARE(r.sampler, sampling::SamplerKind::Euler);
    QCOMPARE(r.shift, 2.0);
    QCOMPARE(r.frames, 33);
    QCOMPARE(r.width, 256);
    QCOMPARE(r.height, 144);
    QCOMPARE(r.attention.backend, std::string("asa-gt"));
    QVERIFY(r.attention.asa.fixed_sparsity.has_value());
    QCOMPARE(*r.attention.asa.fixed_sparsity, 0.8);
    QCOMPARE(r.attention.asa.block_size, 64);
    QCOMPARE(r.device, std::string("cpu"));
    QCOMPARE(r.dtype, std::string("f32"));
    r.validate();
  }

  // Choosing a model trained by BLADE Studio sets the controls to what it was trained for; a Wan
  // folder without recommendations leaves them alone.
  void bundled_model_sets_its_recommended_controls() {
    GenerationForm form;
    QVERIFY(form.modelPicker()->setFolder(test::tiny_model()));
    form.samplingControls()->setSteps(30);
    QVERIFY(form.modelPicker()->setFolder(default_model_folder()));
    const auto request = form.request();
    QCOMPARE(request.steps, 8);
    QCOMPARE(request.guidance, 1.0);
    QCOMPARE(request.frames, 17);
    QCOMPARE(request.width, 64);
    QCOMPARE(request.height, 64);
    QCOMPARE(QString::fromStdString(request.attention.backend), QStringLiteral("asa-gt"));
    QVERIFY(form.modelPicker()->setFolder(test::tiny_model()));
    QCOMPARE(form.request().steps, 8);
  }

  void sparsity_zero_is_dense_and_adaptive_has_no_fixed_share() {
    AttentionControls controls;
    controls.setSparsity(0.0);
    QCOMPARE(controls.settings().backend, std::string("dense"));
    QVERIFY(!controls.settings().asa.fixed_sparsity);
    controls.setSparsity(0.95);
    QCOMPARE(controls.settings().backend, std::string("asa"));
    QCOMPARE(*controls.settings().asa.fixed_sparsity, 0.95);
    controls.findChild<QCheckBox*>(QStringLiteral("adaptive"))->setChecked(true);
    QCOMPARE(controls.settings().backend, std::string("asa"));
    QVERIFY(!controls.settings().asa.fixed_sparsity);
    QVERIFY(!controls.findChild<QSlider*>(QStringLiteral("sparsity"))->isEnabled());
  }

  void set_request_round_trips_through_the_controls() {
    GenerationForm form;
    QVERIFY(form.modelPicker()->setFolder(test::tiny_model()));
    const std::string backends[] = {"dense", "asa", "asa-gt"};
    for (const auto& backend : backends) {
      auto request = test::small_request(backend);
      request.sampler = sampling::SamplerKind::Euler;
      request.schedule = sampling::ScheduleKind::Wan;
      request.attention.asa.tau = 0.9;  // not shown by the controls, must survive
      request.shift = 7.25;
      request.seed = 31337;
      form.setRequest(request);
      QCOMPARE(pipeline::to_json(form.request()).dump(), pipeline::to_json(request).dump());
    }
    auto adaptive = test::small_request("asa-gt");
    adaptive.attention.asa.fixed_sparsity.reset();
    form.setRequest(adaptive);
    QCOMPARE(pipeline::to_json(form.request()).dump(), pipeline::to_json(adaptive).dump());
  }

  // The picker offers the bundled models (the default BLADE-mini and its dense teacher) from the
  // start, the default selected, and opens the teacher when it is chosen.
  void picker_offers_the_bundled_models() {
    ModelPicker picker;
    const QStringList bundled = bundled_model_folders();
    QVERIFY(bundled.size() >= 2);
    QCOMPARE(bundled.first(), QDir::cleanPath(default_model_folder()));
    const QStringList offered = picker.recentFolders();
    for (const QString& folder : bundled) QVERIFY2(offered.contains(folder), qPrintable(folder));
    QCOMPARE(offered.first(), bundled.first());
    const auto teacher = std::find_if(bundled.begin(), bundled.end(),
                                      [](const QString& f) { return f.endsWith(QStringLiteral("blade-mini-teacher")); });
    QVERIFY(teacher != bundled.end());
    QVERIFY2(picker.setFolder(*teacher), qPrintable(picker.error()));

    // Many folders of the user's own: the oldest go, the bundled models stay.
    QTemporaryDir dir;
    QStringList own;
    for (int i = 0; i < ModelPicker::kMaxRecentFolders + 3; ++i) {
      own << QDir::cleanPath(dir.filePath(QStringLiteral("model-%1").arg(i)));
      QVERIFY(QDir().mkpath(own.back()));
    }
    picker.setRecentFolders(own);
    const QStringList after = picker.recentFolders();
    for (const QString& folder : bundled) QVERIFY2(after.contains(folder), qPrintable(folder));
    QVERIFY2(after.size() <= ModelPicker::kMaxRecentFolders, qPrintable(after.join(',')));
    QVERIFY(after.contains(own.first()));  // setRecentFolders adds the list's first (most recent) last
    QVERIFY(!after.contains(own.back()));
  }

  // TDM walks its own timesteps: the shift does not apply and eta does; both follow the sampler.
  void tdm_sampler_carries_eta_and_disables_shift() {
    GenerationForm form;
    QVERIFY(form.modelPicker()->setFolder(test::tiny_model()));
    auto* eta = form.findChild<QDoubleSpinBox*>(QStringLiteral("eta"));
    auto* shift = form.findChild<QDoubleSpinBox*>(QStringLiteral("shift"));
    QVERIFY(eta && shift);
    form.samplingControls()->setSampler(sampling::SamplerKind::UniPC);
    QVERIFY(!eta->isEnabled() && shift->isEnabled());
    form.samplingControls()->setSampler(sampling::SamplerKind::Tdm);
    QVERIFY(eta->isEnabled() && !shift->isEnabled());
    eta->setValue(0.65);
    const auto r = form.request();
    QCOMPARE(r.sampler, sampling::SamplerKind::Tdm);
    QCOMPARE(r.eta, 0.65);
    auto restored = test::small_request("asa-gt");
    restored.sampler = sampling::SamplerKind::Tdm;
    restored.eta = 0.35;
    form.setRequest(restored);
    QCOMPARE(form.request().eta, 0.35);
  }

  void random_seed_is_drawn_and_shown() {
    SeedControl seed;
    seed.setSeed(5);
    seed.setRandom(false);
    QCOMPARE(seed.takeSeed(), uint64_t{5});
    seed.setRandom(true);
    const uint64_t first = seed.takeSeed();
    const uint64_t second = seed.takeSeed();
    QVERIFY(first != second);  // 2^53 choices
    QCOMPARE(seed.seed(), second);
    QVERIFY(second < (uint64_t{1} << 53));
  }

  void take_job_checks_the_request() {
    GenerationForm form;
    QVERIFY(form.modelPicker()->setFolder(test::tiny_model()));
    form.promptEditor()->setPrompt(QString());
    QVERIFY_THROWS_EXCEPTION(Error, form.takeJob());
    form.promptEditor()->setPrompt(QStringLiteral("waves"));
    form.seedControl()->setRandom(true);
    const StudioJob job = form.takeJob();
    QCOMPARE(job.request.seed, form.seedControl()->seed());
    QCOMPARE(job.model_folder, QDir::cleanPath(test::tiny_model()));
    QVERIFY(!job.label.isEmpty());
  }

  void lora_file_and_scale_go_into_the_request_and_back() {
    GenerationForm form;
    QVERIFY(form.modelPicker()->setFolder(test::tiny_model()));
    QVERIFY(form.request().lora.file.empty());
    const std::string lora = BLADE_FIXTURES_DIR "/lora/pytorch_lora_weights.safetensors";
    QVERIFY(form.modelPicker()->setLora({lora, 1.0}));
    form.findChild<QDoubleSpinBox*>(QStringLiteral("loraScale"))->setValue(0.75);
    QCOMPARE(form.request().lora.file, lora);
    QCOMPARE(form.request().lora.scale, 0.75);

    auto request = test::small_request("dense");
    request.lora = {lora, -0.5};
    form.setRequest(request);
    QCOMPARE(pipeline::to_json(form.request()).dump(), pipeline::to_json(request).dump());
    request.lora = {};
    form.setRequest(request);
    QVERIFY(form.request().lora.file.empty());

    // Not a LoRA file: refused with the reason, the previous choice stays.
    QVERIFY(form.modelPicker()->setLora({lora, 1.0}));
    QVERIFY(!form.modelPicker()->setLora({BLADE_FIXTURES_DIR "/wan-tiny/vae/diffusion_pytorch_model.safetensors", 1.0}));
    QVERIFY(form.modelPicker()->error().contains(QStringLiteral("not a LoRA tensor")));
    QCOMPARE(form.request().lora.file, lora);
  }

  void model_picker_rejects_a_folder_that_is_no_model() {
    ModelPicker picker;
    QSignalSpy rejected(&picker, &ModelPicker::modelRejected);
    QVERIFY(!picker.setFolder(QDir::tempPath()));
    QCOMPARE(rejected.count(), 1);
    QVERIFY(!picker.summary());
    QVERIFY(!picker.error().isEmpty());
    QVERIFY(picker.setFolder(test::tiny_model()));
    QCOMPARE(picker.summary()->layers, int64_t{2});
    QCOMPARE(picker.summary()->heads, int64_t{2});
    QCOMPARE(picker.summary()->size_multiple, int64_t{16});
    QCOMPARE(picker.summary()->frame_multiple, int64_t{4});
  }

  void presets_are_valid_for_the_model() {
    for (int64_t multiple : {16, 32}) {
      for (const QSize& size : size_presets(multiple)) {
        QVERIFY(size.width() % multiple == 0 && size.height() % multiple == 0);
      }
    }
    QVERIFY(!size_presets(32).contains(QSize(480, 272)));
    QVERIFY(size_presets(16).contains(QSize(832, 480)));
    for (int frames : frame_presets(4)) QCOMPARE((frames - 1) % 4, 0);
    ClipControls clip;
    clip.setClipSize({480, 272});
    clip.setModelConstraints(32, 4);
    QVERIFY(size_is_valid(clip.clipSize(), 32));  // the invalid choice was replaced
  }

  void prompt_history_is_most_recent_first_without_duplicates() {
    PromptEditor editor;
    editor.remember(QStringLiteral("one"));
    editor.remember(QStringLiteral("two"));
    editor.remember(QStringLiteral("one"));
    QCOMPARE(editor.history(), (QStringList{QStringLiteral("one"), QStringLiteral("two")}));
    auto* box = editor.findChild<QComboBox*>(QStringLiteral("promptHistory"));
    box->setCurrentIndex(2);
    emit box->activated(2);
    QCOMPARE(editor.prompt(), QStringLiteral("two"));
    for (int i = 0; i < PromptEditor::kHistorySize + 10; ++i) editor.remember(QString::number(i));
    QCOMPARE(editor.history().size(), PromptEditor::kHistorySize);
  }
};

QTEST_MAIN(TestRequestMapping)
#include "test_request_mapping.moc"
