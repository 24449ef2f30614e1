#include "common/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace workspaced {
namespace {

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

// Closes the descriptor on every way out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

StatusOr<RegularFile> ReadRegularFile(const std::string& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer.
  const Fd file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)};
  if (file.fd < 0) return InvalidArgument(path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) return InvalidArgument(path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return InvalidArgument(path + " is " + KindOf(st.st_mode) + ", not a regular file");
  const std::string too_large = path + " is larger than " + std::to_string(max_bytes) + " bytes";
  if (static_cast<std::size_t>(st.st_size) > max_bytes) return InvalidArgument(too_large);
  RegularFile out;
  out.mode = st.st_mode;
  // Sized once, so no reallocation leaves a copy of a key behind.
  out.contents.reserve(static_cast<std::size_t>(st.st_size));
  // Read to the end, not to st_size: the file may be growing. One byte past
  // the bound says it is too large.
  char chunk[8192];
  Status failed = Status::Ok();
  while (true) {
    const ssize_t n = ::read(file.fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) failed = InvalidArgument(path + ": " + std::strerror(errno));
    if (n <= 0) break;
    if (out.contents.size() + static_cast<std::size_t>(n) > max_bytes) {
      failed = InvalidArgument(too_large);
      break;
    }
    out.contents.append(chunk, static_cast<std::size_t>(n));
  }
  explicit_bzero(chunk, sizeof chunk);
  if (!failed.ok()) {
    explicit_bzero(out.contents.data(), out.contents.size());
    return failed;
  }
  return out;
}

}  // namespace workspaced
