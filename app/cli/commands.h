#pragma once
// The blade sub-commands. Each returns the process exit code and throws blade::Error for failures
// that main() reports (exit 2 for bad arguments, 130 for a cancel, 1 otherwise).

#include <string>
#include <vector>

namespace blade::cli {

int run_generate(const std::vector<std::string>& args);
int run_info(const std::vector<std::string>& args);
int run_bench(const std::vector<std::string>& args);  // blade bench attention|pipeline ...
int run_bench_pipeline(const std::vector<std::string>& args);
int run_train(const std::vector<std::string>& args);  // teacher training on the synthetic world
int run_distill(const std::vector<std::string>& args);  // TDM distillation of a trained teacher
int run_eval(const std::vector<std::string>& args);     // teacher and students judged on held-out prompts
int run_judge(const std::vector<std::string>& args);    // one clip of the synthetic world judged against its prompt
int run_text_separation(const std::vector<std::string>& args);  // how far a model's text context moves per attribute
int run_noise_levels(const std::vector<std::string>& args);  // one-step denoising of world clips per noise level, judged

}  // namespace blade::cli
