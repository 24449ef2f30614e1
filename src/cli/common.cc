#include <cstdio>

#include "cli/commands.h"

namespace workspaced::cli {

bool ResolveConfig(const CommonFlags& flags, app::Config& config,
                   const std::function<void(app::Config&)>& command_flags) {
  if (!flags.config_file.empty()) {
    const Status s = app::ApplyConfigFile(flags.config_file, config);
    if (!s.ok()) {
      std::fprintf(stderr, "workspaced: %s\n", s.message().c_str());
      return false;
    }
  }
  if (!flags.data_dir.empty()) config.data_dir = flags.data_dir;
  if (!flags.database.empty()) config.database = flags.database;
  if (command_flags) command_flags(config);
  if (const Status valid = app::Validate(config); !valid.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", valid.message().c_str());
    return false;
  }
  return true;
}

long long ParseDurationSeconds(const std::string& text) {
  if (text.size() < 2) return -1;
  const char unit = text.back();
  const std::string digits = text.substr(0, text.size() - 1);
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  const long long n = std::stoll(digits);
  switch (unit) {
    case 's':
      return n;
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    case 'd':
      return n * 86400;
    default:
      return -1;
  }
}

}  // namespace workspaced::cli
