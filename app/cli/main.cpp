// blade: generate clips, inspect weights and clips from the command line.

#include "commands.h"
#include "core/error.h"
#include "core/log.h"
#include "core/version.h"
#include "interrupt.h"

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage = R"(blade - BLADE Studio command line

usage:
  blade generate --prompt TEXT --out FILE.mp4 [--model DIR] [options]
      --model DIR           a Wan-layout model folder (default: the bundled BLADE-mini, an 8-step
                            ASA-GT student). Models trained by BLADE Studio bring their own defaults
                            for steps, guidance, sampler, attention and clip size (model_index.json
                            "blade"."recommended"); the defaults below are for other models
      --negative TEXT       negative prompt (default: empty)
      --steps N             denoising steps (default 50)
      --guidance G          classifier-free guidance, <= 1 turns it off (default 5)
      --shift S             schedule shift (default: the model's, else 5)
      --sampler unipc|euler|tdm  (default unipc). tdm: the distilled student's own timesteps
                            (999, 999-1000/N, ...) with re-noising between steps; --shift and
                            --schedule do not apply to it
      --eta E               tdm: share of predicted noise when re-noising, the rest fresh (default:
                            the model's, else 0.9)
      --schedule diffusers|wan  sigma schedule (default diffusers)
      --seed N              (default: random, printed)
      --frames F            4n+1 (default 81)
      --size WxH            multiples of 16 (default 832x480)
      --attention dense|asa|asa-gt  self-attention back end (default dense)
      --sparsity S          asa/asa-gt: keep the top (1-S) of key blocks per query block
                            (fixed cost); without it the adaptive rule below decides
      --tau T               asa/asa-gt: energy threshold of the adaptive rule (default 0.95)
      --min-keep R --max-keep R  clamps of the adaptive kept ratio (default 0.05, 0.17)
      --block-size 64|128   --probe-tokens 16|32   --pool-tokens N (asa-gt, default 30)
      --lora FILE           LoRA adapter for the transformer (PEFT safetensors, e.g. BLADE's
                            pytorch_lora_weights.safetensors) --lora-scale S (default 1)
      --device cpu|cuda     (default cpu)
      --dtype f32|bf16      compute dtype of transformer and text encoder (default f32)
      --vae-dtype f32|bf16  the VAE decode (bf16: 29% faster on an H100, 48 dB from f32)
      --offload-text-encoder  keep the text encoder on the CPU between prompts (small GPUs)
      --json                print a JSON summary on stdout
      --quiet               only errors on stderr
  blade bench attention [--device cpu|cuda] [--seq L] [--heads H] [--dim D] [--batch B]
      [--block-size 64|128] [--sparsity LIST] [--mask probe|random] [--repeats N] [--json]
      [--mask-file PATH]    save each mask (torch.load-able, "{s}" = sparsity) for other tools
                            time dense attention against asa and asa-gt on random inputs
  blade bench pipeline --random-weights wan2.1-t2v-1.3b | --model DIR [options]
      whole pipeline, one run: dense 50-step UniPC with guidance, 8 dense steps without, and
      8 ASA-GT steps without (BLADE), with the VAE decode in f32 and bf16; seconds and peak GPU
      memory per component
      --size WxH (default 832x480)   --frames LIST (default 81; 17,33,49,81 for a scaling table)
      --sparsity S (ASA-GT, default 0.8)   --student-steps N (8)   --dense-steps N (50)
      --device (default cuda)   --dtype (default bf16 on cuda)   --offload-text-encoder
      --tokenizer FILE (random weights; default the bundled model's)   --results FILE.jsonl   --json
      --profile-kernels SETTING [--profile-top N] [--profile-callers]   instead of the table: GPU time
                            per kernel of one generation of SETTING (e.g. asa-gt-8-vae-bf16) at the
                            first --frames; --profile-callers splits each kernel by the code that
                            launched it (BLADE scope, ATen operators, input shapes)
  blade info PATH [--json]  what is in a model folder, weights file or clip written by blade
  blade train --out DIR [options]   train the pixel-space teacher (BLADE-mini) on the synthetic world
      --iterations N        total iterations of the run (default 20000)
      --batch B             clips per iteration (default 32 on cuda, 2 on cpu)
      --lr LR               AdamW learning rate (default 3e-4)
      --text-len N          prompt tokens the DiT's context holds (default 512, as Wan2.1); every
                            training prompt must fit: the run stops and names the length needed
      --object-loss-weight W  pixels where the world draws an object weigh W in the loss, the
                            background 1 (default 1: the plain mean)
      --motion-loss-weight W  add W times the squared error of the frame-to-frame changes (an error
                            that is the same in every frame costs nothing there; default 0)
      --flow-shift S        shift of the training noise levels, sigma = S u / (1 + (S - 1) u) with u
                            uniform: larger S trains more at high noise, where the layout and the
                            motion of a clip are decided; the exported sampler uses it (default 3; with
                            --init, the folder's)
      --train-size WxH      train on clips of this size (default the model's 64x64; may change
                            between the parts of a resumed run, e.g. 32x32 first, then 64x64)
      --text-pretrain N     before training, pretrain the text encoder N iterations (64 prompts
                            each) on the world's prompts, to state every attribute in its tokens
                            (default 0: trained only with the transformer; its time counts in
                            --minutes); not with --init
      --device cpu|cuda     (default cpu; cuda trains under bf16 autocast)
      --resume              continue the run in DIR from its checkpoint
      --init MODEL_DIR      start a new run from an exported teacher folder (e.g. the bundled
                            blade-mini-teacher): its transformer and text encoder weights and its
                            tokenizer instead of random ones and a newly trained tokenizer; its
                            config must match the run's (BLADE-mini). The optimizer, iteration count
                            (from 0), LR warmup and data start fresh; not with --resume
      --checkpoint-minutes M  checkpoint interval (default 10)
      --minutes M             stop after M minutes of training (checkpoint and export as at the end)
      --log FILE            loss log, JSON lines (default DIR/train_log.jsonl)
      --seed N              weights, noise and world seed (default 0)
      --no-export           skip writing DIR/model at the end
      --export-storage f16|bf16|f32  dtype of the exported weights (default f16)
  blade distill --teacher DIR --out DIR [options]   sparsity-aware TDM: a few-step ASA-GT student
      --steps 4|8           student steps (default 8)
      --iterations N        (default 300)   --batch B (default 4)
      --lr LR --fake-lr LR  student / fake-score AdamW rates (default 2e-5 / 1e-4)
      --guidance G          teacher CFG in x0 space (default 5)   --eta E (default 0.9)
      --attention asa-gt|asa|dense  student and fake-score attention (default asa-gt)
      --device, --resume, --checkpoint-minutes, --minutes, --log, --seed, --no-export, --export-storage as for train
  blade eval [options]   the teacher and the few-step students on held-out prompts x fixed seeds, judged
      deterministically (no learned judge); one row each: teacher-50-dense, teacher-8-dense (the
      teacher's guidance), teacher-50-asa (ASA at fixed sparsity 0.8, untrained), student-8-dense,
      student-8-asa-gt, student-4-asa-gt (students as their model_index.json recommends). Per row:
      quality (mean judge score) and per-attribute accuracy, travel (median over the clips of
      the share of an asked left/right/up/down displacement or growth made: 1 as asked, 0
      still), temporal consistency, sharpness, PSNR and SSIM against teacher-50-dense from the
      same prompt and seed, achieved sparsity (key blocks skipped), seconds per clip, and the
      objects the judge found in the row's clips with the motion it read for each. The rows of a
      bundled model that is missing are skipped; a folder named on the command line must exist
      --teacher DIR         (default: the bundled blade-mini-teacher)
      --student8 DIR        8-step ASA-GT student (default: the bundled blade-mini)
      --student4 DIR        4-step student (default: the bundled blade-mini-4step)
      --quick               2 prompts x 1 seed (default 24 prompts x 2 seeds); on a 2-core CPU
                            the two 50-step guided teacher rows still take minutes per clip
      --prompts N --seeds N   override the counts
      --rows LIST           only these rows, e.g. student-8-asa-gt,student-8-dense (without
                            teacher-50-dense there is no PSNR / SSIM)
      --device cpu|cuda     (default cpu)
      --json                one JSON object per row on stdout (JSON lines)
      --clips FILE.jsonl    also one line per clip: row, prompt, seed and what the judge recovered
      --quiet               only errors on stderr
  blade judge CLIP [--prompt TEXT] [--json]   what blade eval's judge recovers from one clip of the
                            synthetic world (background, objects with colour, shape, size, motion,
                            speed and how far each moved) and its scores against the
                            prompt (default: the prompt the clip records, in the MP4 or the
                            .y4m's .json sidecar); reading an MP4 needs a build with FFmpeg, a
                            .y4m does not
  blade text-separation [--model DIR] [--scenes N] [--seed S] [--json]   how far a BLADE-mini
                            model's text context moves when a held-out prompt changes one
                            attribute (shape, colour, size, motion, speed, background, tone),
                            wording kept: mean relative change over N scenes (default 64; model
                            default: the bundled blade-mini-teacher)
  blade noise-levels [--model DIR] [--sigmas LIST] [--prompts N] [--seed S] [--device cpu|cuda]
      [--batch B] [--json] [--quiet]   how much of a held-out clip a BLADE-mini model recovers in one
                            step from each noise level: the world's clip of each held-out prompt
                            noised to sigma, x0 = x - sigma v judged against the prompt, with the
                            prompt and with the empty prompt as context (default sigmas
                            0,0.5,0.7,0.8,0.9,0.95,0.98,1; 16 prompts; the bundled blade-mini-teacher)
  blade --version
)";

int exit_code_for(blade::ErrorKind kind) {
  switch (kind) {
    case blade::ErrorKind::InvalidArgument: return 2;
    case blade::ErrorKind::Cancelled: return 130;
    default: return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    fmt::print("blade {}\n", blade::kVersion);
    return 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  blade::cli::install_interrupt_handler();
  try {
    if (command == "generate") return blade::cli::run_generate(args);
    if (command == "info") return blade::cli::run_info(args);
    if (command == "bench") return blade::cli::run_bench(args);
    if (command == "train") return blade::cli::run_train(args);
    if (command == "distill") return blade::cli::run_distill(args);
    if (command == "eval") return blade::cli::run_eval(args);
    if (command == "judge") return blade::cli::run_judge(args);
    if (command == "text-separation") return blade::cli::run_text_separation(args);
    if (command == "noise-levels") return blade::cli::run_noise_levels(args);
    fmt::print(stderr, "blade: unknown command '{}' (expected generate, bench, info, train, distill, eval, judge, "
               "text-separation, noise-levels; see blade --help)\n", command);
    return 2;
  } catch (const blade::Error& e) {
    fmt::print(stderr, "blade: {}: {}\n", blade::to_string(e.kind()), e.what());
    return exit_code_for(e.kind());
  } catch (const std::exception& e) {
    fmt::print(stderr, "blade: internal error: {}\n", e.what());
    return 1;
  }
}
