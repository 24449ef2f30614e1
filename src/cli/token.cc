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
  if (flags.subject.empty()) {
    std::fprintf(stderr, "workspaced: --sub is required (1-255 bytes)\n");
    return 2;
  }
  if (!config.auth.dev_tokens) {
    std::fprintf(stderr,
                 "workspaced: this configuration has dev tokens off (auth.dev_tokens): the "
                 "server would refuse any token made here\n");
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
  const std::string token = auth::SignDevToken(*key, claims);
  // The server's own check, with its leeway and lifetime limit: a token it
  // would refuse (a sub with white space at an end or an invisible
  // character, a --ttl past auth.max_token_lifetime_seconds) is never
  // printed.
  auth::JwtOptions rules;
  rules.dev_key = *key;
  rules.leeway_seconds = config.auth.leeway_seconds;
  rules.max_lifetime_seconds = config.auth.max_token_lifetime_seconds;
  rules.cache_capacity = 0;
  auto checker = auth::NewJwtAuthenticator(rules, clock);
  if (!checker.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", checker.status().message().c_str());
    return 1;
  }
  if (const auto accepted = (*checker)->Authenticate(token); !accepted.ok()) {
    std::string why = accepted.status().message();
    if (why == "invalid sub")
      why += " (--sub is 1-255 bytes of visible UTF-8, no white space at either end)";
    else if (why == "invalid groups")
      why += " (each of --groups is as --sub; at most 256)";
    else if (why == "token lifetime exceeds the allowed maximum")
      why += " (--ttl is past auth.max_token_lifetime_seconds, " +
             std::to_string(config.auth.max_token_lifetime_seconds) + " s)";
    std::fprintf(stderr, "workspaced: the server would refuse this token: %s\n", why.c_str());
    return 2;
  }
  std::printf("%s\n", token.c_str());
  return 0;
}

}  // namespace workspaced::cli
