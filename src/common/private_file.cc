#include "common/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace workspaced {

Status CreatePrivateFileOnce(const std::string& path, std::string_view contents) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot create " + tmp + ": " + std::strerror(errno));
  const bool ok = ::write(fd, contents.data(), contents.size()) ==
                      static_cast<ssize_t>(contents.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return Internal("cannot write " + tmp);
  }
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0) {
    if (link_errno == EEXIST) return Conflict(path + " exists");
    return Internal("cannot create " + path + ": " + std::strerror(link_errno));
  }
  const int dir =
      ::open(std::filesystem::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

Status MakePrivateFile(const std::string& path) {
  // Never open and close a file SQLite may have open in this process: a
  // close drops every POSIX lock the process holds on it. An existing file
  // is changed by name; a new one is created exclusively.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return Status::Ok();
  }
  if (errno != EEXIST)
    return FileSystemError("cannot create " + path + ": " + std::strerror(errno), errno);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Internal("cannot inspect " + path + ": " + std::strerror(errno));
  if ((st.st_mode & 0777) != 0600 && ::chmod(path.c_str(), 0600) != 0)
    return Internal("cannot restrict " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

Status MakePrivateDirectory(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return FileSystemError("cannot create " + path + ": " + ec.message(), ec.value());
  std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
  if (ec) return Internal("cannot restrict " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace workspaced
