// `workspaced token`: a JWT signed with the data directory's dev key.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "app/bootstrap.h"
#include "auth/jwt_authenticator.h"
#include "cli/commands.h"
#include "common/clock.h"

namespace workspaced::cli {

int Token(const TokenFlags& flags) {
  app::Config config;
  if (!ResolveConfig(flags.common, config)) return 2;
  const long long ttl = ParseDurationSeconds(flags.ttl);
  if (ttl <= 0 || ttl > 366LL * 86400) {
    std::fprintf(stderr, "workspaced: --ttl must be like 30m, 1h or 7d (at most 366d)\n");
    return 2;
  }
  if (flags.subject.empty() || flags.subject.size() > 255) {
    std::fprintf(stderr, "workspaced: --sub must be 1-255 characters\n");
    return 2;
  }
  // The server refuses a dev token whose subject or groups hold '|' (it
  // separates an issuer's parts: docs/identity.md): none is minted.
  if (flags.subject.find('|') != std::string::npos ||
      flags.groups.find('|') != std::string::npos) {
    std::fprintf(stderr,
                 "workspaced: --sub and --groups must not contain '|' (the server refuses such a "
                 "token; docs/identity.md)\n");
    return 2;
  }
  // Never creates a key: one made here would not be the server's, and every
  // token signed with it would answer 401 "signature mismatch".
  auto key = app::LoadDevKey(config.data_dir);
  if (!key.ok() && key.status().code() == Code::kNotFound) {
    std::error_code ec;
    const std::string dir = std::filesystem::absolute(config.data_dir, ec).string();
    std::fprintf(stderr,
                 "workspaced: no dev signing key in %s (looked for %s/%s).\n"
                 "  The server creates it on its first start: run `workspaced serve --data-dir %s`\n"
                 "  first, or pass --data-dir with the directory your server uses.\n",
                 dir.c_str(), dir.c_str(), app::kDevKeyFile, dir.c_str());
    return 1;
  }
  if (!key.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", key.status().message().c_str());
    return 1;
  }
  auth::DevTokenClaims claims;
  claims.subject = flags.subject;
  std::stringstream groups(flags.groups);
  for (std::string g; std::getline(groups, g, ',');)
    if (!g.empty()) claims.groups.push_back(g);
  SystemClock clock;
  claims.issued_at = clock.Now();
  claims.ttl = ttl * 1'000'000;
  std::printf("%s\n", auth::SignDevToken(*key, claims).c_str());
  return 0;
}

}  // namespace workspaced::cli
