// ws_bench_probe: process figures for the benchmarks.
//
//   ws_bench_probe free-port
//       prints a TCP port on 127.0.0.1 that is free right now.
//   ws_bench_probe ready --port P [--idle-ms 1000] [--log FILE] -- CMD ARGS...
//       runs CMD, polls `GET /readyz` on 127.0.0.1:P (every 0.2 ms) until it
//       answers 200, waits --idle-ms, reads VmRSS of the process and its
//       children (nginx's master + worker), stops it with SIGTERM and prints
//       {"ready_ms":…,"rss_kib":…}. Exit 1 when CMD never gets ready (10 s).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = Loopback(0);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("free-port");
    return 1;
  }
  std::printf("%d\n", ntohs(a.sin_port));
  close(fd);
  return 0;
}

// True when GET /readyz answers 200 right now.
bool Ready(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a = Loopback(port);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    static const char kRequest[] =
        "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    char buf[64] = {};
    if (write(fd, kRequest, sizeof kRequest - 1) == sizeof kRequest - 1) {
      const ssize_t n = read(fd, buf, sizeof buf - 1);
      ok = n >= 12 && std::strncmp(buf + 8, " 200", 4) == 0;
    }
  }
  close(fd);
  return ok;
}

long RssKib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

// The process's own RSS plus its direct children's (nginx forks its worker).
long TreeRssKib(pid_t pid) {
  long total = RssKib(pid);
  std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) +
                         "/children");
  for (pid_t child; children >> child;) total += RssKib(child);
  return total;
}

void Stop(pid_t pid) {
  kill(pid, SIGTERM);
  for (int i = 0; i < 500; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

int ReadyCommand(int argc, char** argv) {
  int port = 0, idle_ms = 1000, i = 2;
  std::string log = "/dev/null";
  for (; i + 1 < argc && std::strcmp(argv[i], "--") != 0; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port") {
      port = std::atoi(argv[i + 1]);
    } else if (flag == "--idle-ms") {
      idle_ms = std::atoi(argv[i + 1]);
    } else if (flag == "--log") {
      log = argv[i + 1];
    } else {
      port = 0;  // unknown flag: print the usage below
      break;
    }
  }
  if (port <= 0 || i + 1 >= argc || std::strcmp(argv[i], "--") != 0) {
    std::fprintf(stderr,
                 "usage: ws_bench_probe ready --port P [--idle-ms N] [--log F] -- CMD...\n");
    return 2;
  }
  char** command = argv + i + 1;

  const auto started = Clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    return 1;
  }
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execvp(command[0], command);
    _exit(127);
  }
  bool ready = false;
  while (!ready && Clock::now() - started < std::chrono::seconds(10)) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) break;  // died before getting ready
    ready = Ready(port);
    if (!ready) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const double ready_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  if (!ready) {
    std::fprintf(stderr, "ws_bench_probe: %s not ready on port %d (see %s)\n", command[0], port,
                 log.c_str());
    Stop(pid);
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(idle_ms));
  const long rss = TreeRssKib(pid);
  Stop(pid);
  std::printf("{\"ready_ms\":%.2f,\"rss_kib\":%ld}\n", ready_ms, rss);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc >= 2 && !std::strcmp(argv[1], "free-port")) return FreePort();
  if (argc >= 2 && !std::strcmp(argv[1], "ready")) return ReadyCommand(argc, argv);
  std::fprintf(stderr, "usage: ws_bench_probe free-port | ready --port P -- CMD...\n");
  return 2;
}
