// A scripted HTTP/1.1 server on loopback port 0, for driving a client
// against answers a real workspaced never gives (a proxy closing an idle
// connection, a Link that loops or leaves the server).
//
// One thread accepts connections one at a time and reads requests from each
// (a header, then a Content-Length body); `handler` answers each with the
// raw bytes to send and whether to close the connection afterwards. It sees
// the requests on its own thread; requests() may be read from any thread.
// The destructor stops the thread and closes every socket.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace workspaced::testing {

class FakeHttpServer {
 public:
  struct Request {
    int connection = 0;  // 1 for the first connection accepted, 2 for the next, …
    std::string method;
    std::string target;
    std::string body;
  };
  struct Reply {
    std::string bytes;   // sent as they are; empty sends nothing
    bool close = false;  // close the connection after sending
  };
  using Handler = std::function<Reply(const Request&)>;

  explicit FakeHttpServer(Handler handler);
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  // http://127.0.0.1:PORT
  std::string url() const;
  std::vector<Request> requests() const;

  // A response with a Content-Length (the connection kept alive unless a
  // header says otherwise).
  static std::string Response(int status, const std::map<std::string, std::string>& headers,
                              const std::string& body = "");

 private:
  void Serve();
  // Reads one request from `fd`; false when the client closed or we stop.
  bool ReadRequest(int fd, std::string& pending, Request& out);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Request> requests_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace workspaced::testing
