#include "common/regular_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace workspaced {
namespace {

class RegularFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ws-regular-file-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(RegularFileTest, ReadsARegularFileWhole) {
  std::ofstream(Path("a")) << "hello";
  const auto r = ReadRegularFile(Path("a"), 5);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->contents, "hello");
  EXPECT_TRUE(S_ISREG(r->mode));
}

TEST_F(RegularFileTest, FollowsASymlinkToARegularFile) {
  std::ofstream(Path("a")) << "x";
  std::filesystem::create_symlink(Path("a"), Path("link"));
  const auto r = ReadRegularFile(Path("link"), 10);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->contents, "x");
}

TEST_F(RegularFileTest, RefusesAFileOverTheBoundNamingIt) {
  std::ofstream(Path("big")) << "123456";
  const auto r = ReadRegularFile(Path("big"), 5);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), Path("big") + " is larger than 5 bytes");
}

TEST_F(RegularFileTest, RefusesADirectoryAsOne) {
  const auto r = ReadRegularFile(dir_.string(), 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), dir_.string() + " is a directory, not a regular file");
}

TEST_F(RegularFileTest, RefusesAFifoWithoutWaitingForAWriter) {
  ASSERT_EQ(::mkfifo(Path("fifo").c_str(), 0600), 0);
  const auto r = ReadRegularFile(Path("fifo"), 1 << 20);  // returns: no writer is waited for
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), Path("fifo") + " is a FIFO, not a regular file");
}

TEST_F(RegularFileTest, RefusesAnEndlessDevice) {
  const auto r = ReadRegularFile("/dev/zero", 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "/dev/zero is a character device, not a regular file");
}

TEST_F(RegularFileTest, NamesAMissingFile) {
  const auto r = ReadRegularFile(Path("none"), 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), Path("none") + ": No such file or directory");
}

}  // namespace
}  // namespace workspaced
