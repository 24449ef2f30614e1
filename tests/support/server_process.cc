#include "support/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "store/testing/postgres_server.h"

extern char** environ;

namespace workspaced::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "workspaced-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string SourceDir() { return WS_SOURCE_DIR; }

std::string WorkspacedBin() {
  const char* bin = std::getenv("WORKSPACED_BIN");
  if (bin != nullptr && *bin != '\0') return bin;
  // Run by hand from the build tree: build/tests/x → build/src/cli/workspaced.
  std::error_code ec;
  const fs::path guess =
      fs::read_symlink("/proc/self/exe", ec).parent_path().parent_path() / "src/cli/workspaced";
  if (!ec && fs::exists(guess)) return guess.string();
  throw std::runtime_error("WORKSPACED_BIN is not set and no build-tree binary was found");
}

namespace {

std::vector<std::string> MergedEnv(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> all;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) all[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) all[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : all) out.push_back(k + "=" + v);
  return out;
}

// Forks and execs argv with env; child's stdout/stderr go to the given fds.
pid_t Spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            int out_fd, int err_fd) {
  std::vector<std::string> envs = MergedEnv(env);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : envs) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Die with the test: a crashed or killed test must not leave servers
    // behind (they would also hold the runner's output pipes open).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    execve(cargv[0], cargv.data(), cenv.data());
    _exit(127);
  }
  return pid;
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

CommandResult RunArgv(const std::vector<std::string>& argv,
                      const std::map<std::string, std::string>& env) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe");
  const pid_t pid = Spawn(argv, env, out_pipe[1], err_pipe[1]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  CommandResult r;
  std::thread err_reader([&] { r.err = ReadAll(err_pipe[0]); });
  r.out = ReadAll(out_pipe[0]);
  err_reader.join();
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace

namespace {

// Where the connection string of a data directory's database is kept: outside
// the directory, so that a command refused before it touches the directory
// still leaves nothing there.
std::string RegistryFile(const std::string& data_dir) {
  const std::string dir = "/tmp/ws-blackbox-databases-" + std::to_string(::getuid());
  fs::create_directories(dir);
  return dir + "/" + std::to_string(std::hash<std::string>{}(fs::absolute(data_dir).string()));
}

}  // namespace

std::string BlackboxDatabase(const std::string& data_dir, bool create) {
  const std::string file = RegistryFile(data_dir);
  std::string conninfo;
  {
    std::ifstream in(file);
    std::getline(in, conninfo);
  }
  if (!conninfo.empty() || !create || std::getenv("WS_BLACKBOX_POSTGRES") == nullptr)
    return conninfo;
  auto fresh = store::testing::FreshPostgresSchema();
  if (!fresh.ok()) throw std::runtime_error(fresh.status().message());
  std::ofstream(file) << *fresh << "\n";
  return *fresh;
}

void SetBlackboxDatabase(const std::string& data_dir, const std::string& conninfo) {
  std::ofstream(RegistryFile(data_dir)) << conninfo << "\n";
}

CommandResult RunWorkspaced(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv{WorkspacedBin()};
  argv.insert(argv.end(), args.begin(), args.end());
  // A command on the data directory of a server running on PostgreSQL uses
  // the same database.
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] != "--data-dir") continue;
    const std::string conninfo = BlackboxDatabase(args[i + 1], /*create=*/true);
    if (!conninfo.empty() && std::find(args.begin(), args.end(), "--database") == args.end()) {
      argv.push_back("--database");
      argv.push_back(conninfo);
    }
  }
  return RunArgv(argv, env);
}

CommandResult RunShell(const std::string& script, const std::map<std::string, std::string>& env) {
  return RunArgv({"/bin/sh", "-c", script}, env);
}

std::unique_ptr<ServerProcess> ServerProcess::Start(Options options) {
  std::unique_ptr<ServerProcess> p(new ServerProcess());
  if (options.data_dir.empty()) {
    p->owned_dir_ = std::make_unique<TempDir>();
    p->data_dir_ = p->owned_dir_->path() + "/data";
  } else {
    p->data_dir_ = options.data_dir;
  }
  std::vector<std::string> argv{WorkspacedBin(), "serve",      "--listen",
                                "127.0.0.1:0",   "--data-dir", p->data_dir_};
  if (!options.config_json.empty()) {
    // Removed with the process object, whoever owns the data directory.
    p->config_dir_ = std::make_unique<TempDir>();
    const std::string path = p->config_dir_->path() + "/config.json";
    std::ofstream(path) << options.config_json;
    argv.push_back("--config");
    argv.push_back(path);
  }
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  // WS_BLACKBOX_POSTGRES: the same tests with the server on PostgreSQL, a
  // fresh schema per data directory (kept for restarts on the same one).
  const bool own_database = std::find(options.extra_args.begin(), options.extra_args.end(),
                                      "--database") != options.extra_args.end();
  if (std::getenv("WS_BLACKBOX_POSTGRES") != nullptr && !own_database) {
    argv.push_back("--database");
    argv.push_back(BlackboxDatabase(p->data_dir_, /*create=*/true));
  }
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  p->pid_ = Spawn(argv, options.env, out_pipe[1], 2);
  close(out_pipe[1]);
  p->out_fd_ = out_pipe[0];
  p->reader_ = std::thread([raw = p.get()] {
    char buf[4096];
    ssize_t n;
    for (;;) {
      {
        std::unique_lock lock(raw->mu_);
        raw->resume_.wait(lock, [raw] { return !raw->paused_; });
      }
      if ((n = read(raw->out_fd_, buf, sizeof buf)) <= 0) break;
      std::lock_guard lock(raw->mu_);
      raw->output_.append(buf, static_cast<std::size_t>(n));
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(p->mu_);
      const auto at = p->output_.find("\"msg\":\"listening\"");
      if (at != std::string::npos) {
        const auto addr = p->output_.find("\"addr\":\"127.0.0.1:", at);
        if (addr != std::string::npos) {
          p->port_ = static_cast<std::uint16_t>(std::stoi(p->output_.substr(addr + 18)));
          return p;
        }
      }
    }
    int status = 0;
    if (waitpid(p->pid_, &status, WNOHANG) == p->pid_) {
      p->pid_ = -1;
      throw std::runtime_error("workspaced serve exited early: " + p->Output());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("workspaced serve did not start: " + p->Output());
}

ServerProcess::~ServerProcess() {
  PauseOutput(false);
  if (pid_ > 0) Stop(SIGKILL);
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) close(out_fd_);
}

std::string ServerProcess::Token(const std::string& subject, const std::string& groups) const {
  std::vector<std::string> args{"token", "--sub", subject, "--data-dir", data_dir_};
  if (!groups.empty()) {
    args.push_back("--groups");
    args.push_back(groups);
  }
  CommandResult r = RunWorkspaced(args);
  if (r.exit_code != 0) throw std::runtime_error("workspaced token failed: " + r.err);
  while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == '\r')) r.out.pop_back();
  return r.out;
}

void ServerProcess::PauseOutput(bool paused) {
  std::lock_guard lock(mu_);
  paused_ = paused;
  resume_.notify_all();
}

int ServerProcess::Stop(int sig) {
  if (pid_ <= 0) return -1;
  PauseOutput(false);
  kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (reader_.joinable()) reader_.join();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ServerProcess::Wait(int timeout_ms) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      PauseOutput(false);
      if (reader_.joinable()) reader_.join();
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string ServerProcess::Output() const {
  std::lock_guard lock(mu_);
  return output_;
}

}  // namespace workspaced::testing
