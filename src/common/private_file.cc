#include "common/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace workspaced {

Status MakePrivateFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot create " + path + ": " + std::strerror(errno));
  const int rc = ::fchmod(fd, 0600);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) return Internal("cannot restrict " + path + ": " + std::strerror(saved));
  return Status::Ok();
}

Status MakePrivateDirectory(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Internal("cannot create " + path + ": " + ec.message());
  std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
  if (ec) return Internal("cannot restrict " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace workspaced
