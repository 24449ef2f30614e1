#include "audit/chain.h"

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <cstdlib>

namespace workspaced::audit {

std::string CanonicalForm(const model::AuditEvent& e, const std::string& prev_hash) {
  boost::json::array a{prev_hash,     e.time,       e.actor,        e.actor_auth, e.action,
                       e.target_type, e.target_id,  e.workspace_id, e.outcome,    e.request_id,
                       e.source_ip,   e.user_agent, e.details};
  return boost::json::serialize(a);
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
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

}  // namespace workspaced::audit
