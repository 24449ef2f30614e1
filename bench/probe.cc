// ws_bench_probe: process figures for the benchmarks.
//
//   ws_bench_probe free-port
//       prints a TCP port on 127.0.0.1 that is free right now.
//   ws_bench_probe ready --port P [--idle-ms 1000] [--log FILE] -- CMD ARGS...
//       runs CMD, polls `GET /readyz` on 127.0.0.1:P (every 0.2 ms) until it
//       answers 200, waits --idle-ms, reads VmRSS of the process and its
//       children (nginx's master + worker), stops it with SIGTERM and prints
//       {"ready_ms":…,"rss_kib":…}. Exit 1 when CMD never gets ready (10 s).
//   ws_bench_probe post --port P[,P2,…] --path PATH --token T --body TEMPLATE
//                       --count N --concurrency C [--status 202]
//       sends N POSTs of TEMPLATE (every "{n}" replaced by the request's
//       number) from C clients, each with a keep-alive connection to every
//       port given, request n going to the (n mod ports)-th (a client-side
//       round robin over replicas), and prints
//       {"requests":N,"seconds":…,"per_s":…}. Exit 1 on any other status.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
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

// One keep-alive connection sending POSTs and reading their responses.
class PostClient {
 public:
  explicit PostClient(int port) : port_(port) {}
  ~PostClient() {
    if (fd_ >= 0) close(fd_);
  }
  // The response's status, or -1 on a transport failure.
  int Post(const std::string& request) {
    if (fd_ < 0 && !Connect()) return -1;
    for (std::size_t sent = 0; sent < request.size();) {
      const ssize_t n = send(fd_, request.data() + sent, request.size() - sent, 0);
      if (n <= 0) return -1;
      sent += static_cast<std::size_t>(n);
    }
    // Headers, then Content-Length bytes of body.
    std::size_t header_end;
    while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!Fill()) return -1;
    const int status = std::atoi(buf_.c_str() + 9);
    std::size_t length = 0;
    const std::size_t cl = buf_.find("Content-Length: ");
    if (cl != std::string::npos && cl < header_end)
      length = std::strtoul(buf_.c_str() + cl + 16, nullptr, 10);
    while (buf_.size() < header_end + 4 + length)
      if (!Fill()) return -1;
    if (status != expect_ && errors_++ < 3)
      std::fprintf(stderr, "post: status %d: %s\n", status,
                   buf_.substr(header_end + 4, length).c_str());
    buf_.erase(0, header_end + 4 + length);
    return status;
  }
  int expect_ = 202;

 private:
  bool Connect() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = Loopback(port_);
    return fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  bool Fill() {
    char chunk[8192];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  int port_;
  int fd_ = -1;
  int errors_ = 0;
  std::string buf_;
};

int PostCommand(int argc, char** argv) {
  int count = 0, concurrency = 1, expect = 202;
  std::vector<int> ports;
  std::string path, token, body;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* v = argv[i + 1];
    if (flag == "--port") {
      for (const char* p = v; *p != '\0';) {
        ports.push_back(std::atoi(p));
        const char* comma = std::strchr(p, ',');
        p = comma == nullptr ? p + std::strlen(p) : comma + 1;
      }
    } else if (flag == "--path")
      path = v;
    else if (flag == "--token")
      token = v;
    else if (flag == "--body")
      body = v;
    else if (flag == "--count")
      count = std::atoi(v);
    else if (flag == "--concurrency")
      concurrency = std::atoi(v);
    else if (flag == "--status")
      expect = std::atoi(v);
  }
  const bool ports_ok =
      !ports.empty() && std::all_of(ports.begin(), ports.end(), [](int p) { return p > 0; });
  if (!ports_ok || path.empty() || count <= 0 || concurrency <= 0) {
    std::fprintf(stderr,
                 "usage: ws_bench_probe post --port P[,P…] --path PATH --token T --body "
                 "TEMPLATE --count N --concurrency C\n");
    return 2;
  }
  std::atomic<int> next{0}, failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&] {
      std::vector<std::unique_ptr<PostClient>> clients;
      for (const int port : ports) {
        clients.push_back(std::make_unique<PostClient>(port));
        clients.back()->expect_ = expect;
      }
      for (int n; (n = next.fetch_add(1)) < count;) {
        std::string b = body;
        for (std::size_t at; (at = b.find("{n}")) != std::string::npos;)
          b.replace(at, 3, std::to_string(n));
        const std::string request = "POST " + path +
                                    " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    "Authorization: Bearer " +
                                    token +
                                    "\r\n"
                                    "Content-Type: application/json\r\nContent-Length: " +
                                    std::to_string(b.size()) + "\r\n\r\n" + b;
        if (clients[static_cast<std::size_t>(n) % clients.size()]->Post(request) != expect)
          failed.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("{\"requests\":%d,\"seconds\":%.4f,\"per_s\":%.1f}\n", count, seconds,
              count / seconds);
  return failed.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc >= 2 && !std::strcmp(argv[1], "free-port")) return FreePort();
  if (argc >= 2 && !std::strcmp(argv[1], "ready")) return ReadyCommand(argc, argv);
  if (argc >= 2 && !std::strcmp(argv[1], "post")) return PostCommand(argc, argv);
  std::fprintf(stderr, "usage: ws_bench_probe free-port | ready --port P -- CMD... | post ...\n");
  return 2;
}
