#include "common/strict_json.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/text.h"

namespace workspaced {
namespace {

// A basic_parser handler that builds nothing: it keeps the member names of
// each open object and stops at the first one seen twice.
class DuplicateFinder {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::string duplicate;  // set when the parse stopped at a repeated name

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    names_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    names_.pop_back();
    return true;
  }
  bool on_array_begin(boost::system::error_code&) { return true; }
  bool on_array_end(std::size_t, boost::system::error_code&) { return true; }
  bool on_key_part(std::string_view s, std::size_t, boost::system::error_code&) {
    key_.append(s);
    return true;
  }
  bool on_key(std::string_view s, std::size_t, boost::system::error_code& ec) {
    key_.append(s);
    if (!names_.back().insert(key_).second) {
      duplicate = std::move(key_);
      ec = boost::json::error::syntax;
      return false;
    }
    key_.clear();
    return true;
  }
  bool on_string_part(std::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_string(std::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_number_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, std::string_view, boost::system::error_code&) { return true; }
  bool on_uint64(std::uint64_t, std::string_view, boost::system::error_code&) { return true; }
  bool on_double(double, std::string_view, boost::system::error_code&) { return true; }
  bool on_bool(bool, boost::system::error_code&) { return true; }
  bool on_null(boost::system::error_code&) { return true; }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_comment(std::string_view, boost::system::error_code&) { return true; }

 private:
  std::vector<std::unordered_set<std::string>> names_;
  std::string key_;
};

}  // namespace

StatusOr<boost::json::value> ParseStrictJson(std::string_view text, std::size_t max_depth) {
  boost::json::parse_options options;
  options.max_depth = max_depth;
  boost::system::error_code ec;
  unsigned char scratch[4096];  // the parser's stack, as boost::json::parse has it
  boost::json::parser parser({}, options, scratch, sizeof scratch);
  const std::size_t read = parser.write(text.data(), text.size(), ec);
  if (ec) {
    // What, and where (outside audit: invalid UTF-8 in a string was a bare
    // "syntax error"): byte offsets.
    for (std::size_t i = 0; i < text.size();) {
      const std::size_t n = Utf8SequenceLength(text, i);
      if (n == 0) return InvalidArgument("it is not UTF-8 (byte " + std::to_string(i) + ")");
      i += n;
    }
    return InvalidArgument(ec.message() + " at byte " + std::to_string(read));
  }
  boost::json::value v = parser.release();
  // Only a document that parsed is walked again (the names of small bodies
  // and tokens; the body limit bounds them).
  boost::json::basic_parser<DuplicateFinder> finder(options);
  finder.write_some(false, text.data(), text.size(), ec);
  if (!finder.handler().duplicate.empty() || ec) {
    // Escaped and bounded: a client's bytes (bidi controls, invalid UTF-8).
    return InvalidArgument("duplicate member name \"" +
                           BoundedText(finder.handler().duplicate, 64) + "\"");
  }
  return v;
}

}  // namespace workspaced
