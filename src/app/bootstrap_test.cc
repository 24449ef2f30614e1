#include "app/bootstrap.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "app/app.h"

namespace workspaced::app {
namespace {

class Bootstrap : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ws-boot-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(Bootstrap, DevKeyIsCreatedPrivateAndReused) {
  auto random = NewSecureRandom();
  auto a = LoadOrCreateDevKey(dir_.string(), *random);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->size(), 32u);
  struct stat st {};
  ASSERT_EQ(stat((dir_ / kDevKeyFile).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto b = LoadOrCreateDevKey(dir_.string(), *random);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
}

TEST_F(Bootstrap, RefusesAKeyOthersCanRead) {
  auto random = NewSecureRandom();
  ASSERT_TRUE(LoadOrCreateDevKey(dir_.string(), *random).ok());
  chmod((dir_ / kDevKeyFile).c_str(), 0644);
  auto again = LoadOrCreateDevKey(dir_.string(), *random);
  EXPECT_EQ(again.status().code(), Code::kInvalidArgument);
}

TEST_F(Bootstrap, RefusesADevKeyThatIsAFifoWithoutWaitingOnIt) {
  auto random = NewSecureRandom();
  ASSERT_TRUE(EnsureDataDir(dir_.string()).ok());
  const std::string path = (dir_ / kDevKeyFile).string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const auto key = LoadOrCreateDevKey(dir_.string(), *random);
  EXPECT_EQ(key.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(key.status().message(), "dev key " + path + " is a FIFO, not a regular file");
}

TEST_F(Bootstrap, DefaultAccountIsCreatedOnce) {
  Config config;
  config.data_dir = dir_.string();
  auto store = OpenStore(config);
  ASSERT_TRUE(store.ok()) << store.status().message();
  SystemClock clock;
  auto random = NewSecureRandom();
  auto a = EnsureDefaultAccount(**store, clock, *random);
  auto b = EnsureDefaultAccount(**store, clock, *random);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(a->name, "default");
  std::optional<model::AccountRole> role;
  ASSERT_TRUE((*store)
                  ->Read([&](store::Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(role, tx.GetAccountRole(a->id, "admin"));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(role, model::AccountRole::kAdmin);
}

}  // namespace
}  // namespace workspaced::app
