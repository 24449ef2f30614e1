// Runs the real `workspaced` binary for black-box tests: `serve` on port 0
// with a temporary data directory, driven over real HTTP on loopback.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace workspaced::testing {

// A directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// The binary under test (WORKSPACED_BIN, set by CTest).
std::string WorkspacedBin();
// With WS_BLACKBOX_POSTGRES set, servers and commands run on PostgreSQL, one
// fresh schema per data directory. The connection string of a data
// directory's database, or "" (SQLite); `create` makes one when the variable
// is set and there is none yet.
std::string BlackboxDatabase(const std::string& data_dir, bool create = false);
// For a test that chooses the PostgreSQL database of a data directory itself
// (passing --database): records it, so that BlackboxDatabase and the queries
// of support/database.h use it too.
void SetBlackboxDatabase(const std::string& data_dir, const std::string& conninfo);

// Runs the binary with `args` and waits; extra environment in `env`. With
// --data-dir of a directory on PostgreSQL, --database is added.
CommandResult RunWorkspaced(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env = {});
// Runs `/bin/sh -c script` with env; for the seed's curl examples.
CommandResult RunShell(const std::string& script,
                       const std::map<std::string, std::string>& env = {});

// The checkout this build came from (its api/, docs/…).
std::string SourceDir();

class ServerProcess {
 public:
  struct Options {
    std::string data_dir;     // empty: a fresh temporary directory
    std::string config_json;  // when set, written to a temporary file passed as --config
    std::vector<std::string> extra_args;
    std::map<std::string, std::string> env;
  };

  // Starts the server and waits until it logs its address. Aborts the test
  // (throws) if it does not within 20 s.
  static std::unique_ptr<ServerProcess> Start(Options options);
  static std::unique_ptr<ServerProcess> Start() { return Start(Options{}); }
  ~ServerProcess();

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& data_dir() const { return data_dir_; }
  pid_t pid() const { return pid_; }
  // A dev token from `workspaced token`.
  std::string Token(const std::string& subject, const std::string& groups = "") const;
  // Sends `signal` and waits for the exit; returns the exit status (or 128+sig).
  int Stop(int signal = 15);
  // Waits up to timeout_ms for the process to exit by itself; its exit status
  // (or 128+signal), or -1 when it is still running.
  int Wait(int timeout_ms);
  // Everything the server printed on stdout so far.
  std::string Output() const;
  // Stops reading the server's stdout (true), as a stalled log shipper
  // would, or reads on (false). Stop and the destructor read on.
  void PauseOutput(bool paused);

 private:
  ServerProcess() = default;
  std::unique_ptr<TempDir> owned_dir_;
  std::unique_ptr<TempDir> config_dir_;  // the --config file, when one is given
  std::string data_dir_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::string output_;   // guarded by mu_
  bool paused_ = false;  // guarded by mu_
  std::condition_variable resume_;
  std::thread reader_;
};

}  // namespace workspaced::testing
