// blade text-separation: how far a model's text context moves when a prompt changes one attribute,
// wording kept (engine/train/context_separation.h).

#include "arguments.h"
#include "commands.h"
#include "core/error.h"
#include "default_models.h"
#include "models/text/prompt_tokenizer.h"
#include "train/context_separation.h"
#include "train/pixel_model_folder.h"
#include "train/trainable_text_encoder.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace blade::cli {

int run_text_separation(const std::vector<std::string>& argv) {
  const Arguments args(argv, {"model", "scenes", "seed"}, {"json"});
  if (!args.positional().empty()) {
    fail(ErrorKind::InvalidArgument, "unexpected argument '{}' (options start with --)", args.positional().front());
  }
  const std::filesystem::path folder = args.value_or("model", bundled_model_folder("blade-mini-teacher").string());
  const int64_t scenes = args.get_int("scenes", 64);
  const uint64_t seed = args.get_u64("seed", 0);
  if (scenes < 1) fail(ErrorKind::InvalidArgument, "--scenes must be at least 1, got {}", scenes);

  auto model = train::load_pixel_model(folder);
  train::TrainableTextEncoder text(models::PromptTokenizer::load(model.tokenizer_model), model.text_encoder,
                                   model.config.text_len);
  const auto separations = train::context_separation(
      [&](const std::vector<std::string>& prompts) { return text.encode(prompts); }, scenes, seed);

  if (args.flag("json")) {
    nlohmann::json out = {{"model", folder.string()}, {"scenes", scenes}, {"seed", seed}};
    for (const auto& s : separations) {
      out["row_change"][s.attribute] = s.row_change;
      out["mean_change"][s.attribute] = s.mean_change;
      out["length_changed"][s.attribute] = s.length_changed;
    }
    fmt::print("{}\n", out.dump());
    return 0;
  }
  fmt::print("text context change when one attribute of a held-out prompt changes (wording kept), {}\n"
             "||context' - context|| / ||context||, mean over {} scenes (seed {}): the [text_len x d] context row\n"
             "by row, and the mean of the prompt's token rows (cross-attention does not see the rows' order)\n",
             folder.string(), scenes, seed);
  fmt::print("  {:<11} {:>8} {:>11} {:>22}\n", "attribute", "rows", "token mean", "token count changed");
  for (const auto& s : separations) {
    fmt::print("  {:<11} {:>8.3f} {:>11.3f} {:>21.0f}%\n", s.attribute, s.row_change, s.mean_change,
               100.0 * s.length_changed);
  }
  return 0;
}

}  // namespace blade::cli
