#include "audit/chain.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <string_view>

#include "common/hex.h"

namespace workspaced::audit {
namespace {

// A string as boost::json::serialize writes it (the form chains were first
// hashed in, and still are): `"` and `\` escaped, the control characters
// as \b \t \n \f \r or \u00xx (lowercase hex), every other byte as it is.
// Written by hand because building a json::array of the event's thirteen
// strings cost more than hashing it (chain_test.cc holds the two equal).
void AppendString(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u != '"' && u != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    out.push_back('\\');
    switch (u) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\b': out.push_back('b'); break;
      case '\t': out.push_back('t'); break;
      case '\n': out.push_back('n'); break;
      case '\f': out.push_back('f'); break;
      case '\r': out.push_back('r'); break;
      default:
        out += "u00";
        AppendHexByte(out, u);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

}  // namespace

std::string CanonicalForm(const model::AuditEvent& e, const std::string& prev_hash) {
  std::string out;
  out.reserve(64 + prev_hash.size() + e.actor.size() + e.actor_auth.size() + e.action.size() +
              e.target_type.size() + e.target_id.size() + e.workspace_id.size() +
              e.outcome.size() + e.request_id.size() + e.source_ip.size() +
              e.user_agent.size() + e.details.size() + 32);
  out.push_back('[');
  AppendString(out, prev_hash);
  out.push_back(',');
  out += std::to_string(e.time);
  for (const std::string* s : {&e.actor, &e.actor_auth, &e.action, &e.target_type, &e.target_id,
                               &e.workspace_id, &e.outcome, &e.request_id, &e.source_ip,
                               &e.user_agent, &e.details}) {
    out.push_back(',');
    AppendString(out, *s);
  }
  out.push_back(']');
  return out;
}

std::string ChainHash(const model::AuditEvent& event, const std::string& prev_hash) {
  const std::string text = CanonicalForm(event, prev_hash);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up again
  // on every digest, which cost as much as hashing an event.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (kSha256 == nullptr ||
      EVP_Digest(text.data(), text.size(), digest, &len, kSha256, nullptr) != 1)
    std::abort();  // SHA-256 is always there
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

}  // namespace workspaced::audit
