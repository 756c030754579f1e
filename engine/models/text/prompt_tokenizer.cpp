#include "models/text/prompt_tokenizer.h"

#include "core/error.h"
#include "core/log.h"
#include "models/text/ftfy_fixes.h"
#include "models/text/html_unescape.h"
#include "models/text/utf8.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <string_view>

namespace blade::models {

namespace {

// Python's str.isspace(), which is what `\s` matches in diffusers' whitespace_clean.
bool is_python_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::u32string collapse_whitespace(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char32_t c : text) {
    if (is_python_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(U' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

PromptTokenizer PromptTokenizer::load(const std::filesystem::path& spiece_model) {
  static auto log = blade::log::get("text");
  std::error_code error;
  if (!std::filesystem::is_regular_file(spiece_model, error)) {
    fail(ErrorKind::Io, "tokenizer model {} does not exist or is not a file (expected a SentencePiece spiece.model)",
         spiece_model.string());
  }
  std::ifstream file(spiece_model, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file.good() && !file.eof()) fail(ErrorKind::Io, "cannot read tokenizer model {}", spiece_model.string());

  auto processor = std::make_shared<sentencepiece::SentencePieceProcessor>();
  const auto status = processor->LoadFromSerializedProto(bytes);
  if (!status.ok()) {
    fail(ErrorKind::BadWeights, "tokenizer model {} is not a SentencePiece model ({} bytes): {}",
         spiece_model.string(), bytes.size(), status.ToString());
  }
  PromptTokenizer tokenizer;
  tokenizer.path_ = spiece_model;
  int eos = processor->eos_id();
  if (eos < 0) eos = processor->PieceToId("</s>");
  if (eos < 0 || eos >= processor->GetPieceSize() || processor->IsUnknown(eos)) {
    fail(ErrorKind::BadWeights, "tokenizer model {} has no end-of-sequence piece '</s>'", spiece_model.string());
  }
  if (eos != 1) log->warn("tokenizer model {}: EOS id is {}, umT5 uses 1", spiece_model.string(), eos);
  tokenizer.eos_id_ = eos;
  for (int id = 0; id < processor->GetPieceSize(); ++id) {
    if ((processor->IsControl(id) || processor->IsUnknown(id)) && !processor->IdToPiece(id).empty()) {
      tokenizer.special_pieces_.emplace_back(processor->IdToPiece(id), id);
    }
  }
  std::stable_sort(tokenizer.special_pieces_.begin(), tokenizer.special_pieces_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  tokenizer.processor_ = std::move(processor);
  log->debug("loaded tokenizer {} ({} pieces)", spiece_model.string(), tokenizer.vocab_size());
  return tokenizer;
}

std::string PromptTokenizer::clean(const std::string& text) {
  std::u32string u = ftfy_fix_text(utf8_decode(text));
  u = html_unescape(html_unescape(u));
  return utf8_encode(collapse_whitespace(u));
}

std::vector<int64_t> PromptTokenizer::encode(const std::string& text, int64_t max_length) const {
  if (max_length < 1) fail(ErrorKind::InvalidArgument, "tokenizer max_length must be at least 1, got {}", max_length);
  const std::string cleaned = clean(text);
  std::vector<int64_t> ids;
  auto encode_plain = [&](std::string_view segment) {
    std::vector<int> pieces;
    const auto status = processor_->Encode(segment, &pieces);
    if (!status.ok()) {
      fail(ErrorKind::Internal, "SentencePiece ({}) failed on a prompt of {} bytes: {}", path_.string(),
           segment.size(), status.ToString());
    }
    ids.insert(ids.end(), pieces.begin(), pieces.end());
  };
  // Split at the leftmost (then longest) control piece, as the HF tokenizer's added tokens do.
  size_t pos = 0;
  while (pos < cleaned.size()) {
    size_t best = std::string::npos;
    const std::pair<std::string, int>* best_piece = nullptr;
    for (const auto& piece : special_pieces_) {
      const size_t found = cleaned.find(piece.first, pos);
      if (found < best) best = found, best_piece = &piece;
    }
    if (!best_piece) {
      encode_plain(std::string_view(cleaned).substr(pos));
      break;
    }
    encode_plain(std::string_view(cleaned).substr(pos, best - pos));
    ids.push_back(best_piece->second);
    pos = best + best_piece->first.size();
  }
  if (ids.size() > static_cast<size_t>(max_length - 1)) ids.resize(static_cast<size_t>(max_length - 1));
  ids.push_back(eos_id_);
  return ids;
}

int64_t PromptTokenizer::token_count(const std::string& text) const {
  return static_cast<int64_t>(encode(text, std::numeric_limits<int64_t>::max()).size());
}

int64_t PromptTokenizer::vocab_size() const { return processor_->GetPieceSize(); }

}  // namespace blade::models
