#pragma once
// The left panel: every control that decides a clip, and the mapping between them and a
// GenerationRequest (request() / setRequest()).

#include "pipeline/generation_request.h"
#include "ui/studio_types.h"

#include <QWidget>

namespace blade::ui {

class AttentionControls;
class ClipControls;
class ModelPicker;
class PromptEditor;
class SamplingControls;
class SeedControl;

class GenerationForm : public QWidget {
  Q_OBJECT

 public:
  explicit GenerationForm(QWidget* parent = nullptr);

  // The request the controls show (the seed as shown; see takeJob for a fresh random one).
  pipeline::GenerationRequest request() const;
  void setRequest(const pipeline::GenerationRequest& request);

  // A job for the queue: the request with the seed for this run, checked. Throws blade::Error
  // (InvalidArgument) naming the bad field, or when no usable model is chosen.
  StudioJob takeJob();

  PromptEditor* promptEditor() const { return prompt_; }
  SeedControl* seedControl() const { return seed_; }
  ModelPicker* modelPicker() const { return model_; }
  AttentionControls* attentionControls() const { return attention_; }
  SamplingControls* samplingControls() const { return sampling_; }
  ClipControls* clipControls() const { return clip_; }

 private:
  void model_changed(const ModelSummary& summary);

  PromptEditor* prompt_ = nullptr;
  SeedControl* seed_ = nullptr;
  ModelPicker* model_ = nullptr;
  AttentionControls* attention_ = nullptr;
  SamplingControls* sampling_ = nullptr;
  ClipControls* clip_ = nullptr;
};

// A short label for the queue: "BLADE asa 0.80 · 8 steps · seed 42".
QString describe_request(const pipeline::GenerationRequest& request);

}  // namespace blade::ui
