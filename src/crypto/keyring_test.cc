#include "crypto/keyring.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/clock.h"

namespace workspaced::crypto {
namespace {
namespace fs = std::filesystem;

class KeyRingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ws-keyring-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<fs::path> KeyFiles() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_;
  std::unique_ptr<Random> random_ = NewSecureRandom();
  ManualClock clock_{1'796'000'000'000'000};
};

TEST_F(KeyRingTest, TheFirstOpenCreatesOnePrivateKeyFileAndTheNextOpenUsesIt) {
  const StatusOr<KeyRing> first = KeyRing::InDirectory(dir_.string(), *random_, clock_);
  ASSERT_TRUE(first.ok()) << first.status().message();
  const std::vector<fs::path> files = KeyFiles();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].filename().string(), "kek-" + first->active_id() + ".key");
  struct stat st {};
  ASSERT_EQ(::stat(files[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_TRUE(IsKeyId(first->active_id())) << first->active_id();

  const Key data_key = Key::Generate(*random_);
  const WrappedKey wrapped = first->Wrap("ws-1", data_key, *random_);
  EXPECT_EQ(wrapped.kek_id, first->active_id());
  EXPECT_EQ(wrapped.sealed.find(data_key.Bytes()), std::string::npos);  // not in the clear

  const StatusOr<KeyRing> second = KeyRing::InDirectory(dir_.string(), *random_, clock_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(KeyFiles().size(), 1u);
  const StatusOr<Key> back = second->Unwrap("ws-1", wrapped);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->Bytes(), data_key.Bytes());
}

TEST_F(KeyRingTest, AWrappedKeyUnwrapsOnlyForItsWorkspaceAndUndamaged) {
  const KeyRing ring = *KeyRing::InDirectory(dir_.string(), *random_, clock_);
  const WrappedKey wrapped = ring.Wrap("ws-1", Key::Generate(*random_), *random_);
  EXPECT_EQ(ring.Unwrap("ws-2", wrapped).status().code(), Code::kInternal);
  WrappedKey damaged = wrapped;
  damaged.sealed[5] = static_cast<char>(damaged.sealed[5] ^ 0x40);
  EXPECT_FALSE(ring.Unwrap("ws-1", damaged).ok());
  WrappedKey unknown = wrapped;
  unknown.kek_id = "retired-key";
  const Status s = ring.Unwrap("ws-1", unknown).status();
  EXPECT_NE(s.message().find("retired-key"), std::string::npos) << s.message();
}

TEST_F(KeyRingTest, RotationMakesTheNewKeyActiveAndOldWrapsStillUnwrap) {
  const KeyRing before = *KeyRing::InDirectory(dir_.string(), *random_, clock_);
  const Key data_key = Key::Generate(*random_);
  const WrappedKey old_wrap = before.Wrap("ws-1", data_key, *random_);
  clock_.Advance(1'000'000);
  const StatusOr<std::string> id = KeyRing::CreateKeyFile(dir_.string(), *random_, clock_);
  ASSERT_TRUE(id.ok()) << id.status().message();

  const KeyRing after = *KeyRing::InDirectory(dir_.string(), *random_, clock_);
  EXPECT_EQ(after.active_id(), *id);
  EXPECT_EQ(after.ids().size(), 2u);
  // Rewrapping: unwrap under the old KEK, wrap under the new one.
  const Key unwrapped = *after.Unwrap("ws-1", old_wrap);
  const WrappedKey new_wrap = after.Wrap("ws-1", unwrapped, *random_);
  EXPECT_EQ(new_wrap.kek_id, *id);
  EXPECT_EQ(after.Unwrap("ws-1", new_wrap)->Bytes(), data_key.Bytes());
}

TEST_F(KeyRingTest, TheStoredFormReadsBackAndAnythingElseIsRefused) {
  const KeyRing ring = *KeyRing::InDirectory(dir_.string(), *random_, clock_);
  const WrappedKey wrapped = ring.Wrap("ws-1", Key::Generate(*random_), *random_);
  const std::string text = EncodeWrappedKey(wrapped);
  EXPECT_EQ(text.rfind("v1." + ring.active_id() + ".", 0), 0u) << text;
  const StatusOr<WrappedKey> back = DecodeWrappedKey(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->kek_id, wrapped.kek_id);
  EXPECT_EQ(back->sealed, wrapped.sealed);
  for (const std::string& bad :
       std::vector<std::string>{"", "v2" + text.substr(2), text.substr(0, text.size() - 4),
                                "v1..AAAA", "v1.UPPER." + text.substr(text.rfind('.') + 1)})
    EXPECT_FALSE(DecodeWrappedKey(bad).ok()) << bad;
}

TEST_F(KeyRingTest, KeyFilesNamedInConfigurationAreCheckedBeforeUse) {
  const std::string a = (dir_ / "a.key").string(), b = (dir_ / "b.key").string();
  ASSERT_TRUE(KeyRing::WriteKeyFile(a, *random_).ok());
  ASSERT_TRUE(KeyRing::WriteKeyFile(b, *random_).ok());
  EXPECT_FALSE(KeyRing::WriteKeyFile(a, *random_).ok());  // never overwrites a key
  const StatusOr<KeyRing> ring = KeyRing::FromFiles({{"one", a}, {"two", b}}, "two");
  ASSERT_TRUE(ring.ok()) << ring.status().message();
  EXPECT_EQ(ring->active_id(), "two");

  EXPECT_FALSE(KeyRing::FromFiles({{"one", a}}, "two").ok());               // active not there
  EXPECT_FALSE(KeyRing::FromFiles({{"One", a}}, "One").ok());               // bad id
  EXPECT_FALSE(KeyRing::FromFiles({{"one", a}, {"one", b}}, "one").ok());   // twice
  EXPECT_FALSE(KeyRing::FromFiles({{"one", (dir_ / "none").string()}}, "one").ok());
  ::chmod(a.c_str(), 0640);
  const Status open = KeyRing::FromFiles({{"one", a}}, "one").status();
  EXPECT_NE(open.message().find("chmod 600"), std::string::npos) << open.message();
  const std::string c = (dir_ / "c.key").string();
  std::ofstream(c) << "not hex\n";
  ::chmod(c.c_str(), 0600);
  EXPECT_FALSE(KeyRing::FromFiles({{"c", c}}, "c").ok());
}

// A FIFO held start-up for ever (an open waiting for a writer), a directory
// was told to chmod 600, and uppercase hex was "not 64 hex characters".
TEST_F(KeyRingTest, AKeyFileThatIsNotARegularFileIsRefusedAsWhatItIs) {
  const std::string fifo = (dir_ / "fifo.key").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Status s = KeyRing::FromFiles({{"one", fifo}}, "one").status();  // returns: no writer waited for
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "key file " + fifo + " is a FIFO, not a regular file");
  const std::string dir = (dir_ / "dir.key").string();
  fs::create_directory(dir);
  ::chmod(dir.c_str(), 0755);
  s = KeyRing::FromFiles({{"one", dir}}, "one").status();
  EXPECT_EQ(s.message(), "key file " + dir + " is a directory, not a regular file");
  s = KeyRing::FromFiles({{"one", "/dev/zero"}}, "one").status();
  EXPECT_EQ(s.message(), "key file /dev/zero is a character device, not a regular file");
}

TEST_F(KeyRingTest, AKeyFileInUppercaseHexIsTheSameKey) {
  const std::string lower = (dir_ / "lower.key").string(), upper = (dir_ / "upper.key").string();
  ASSERT_TRUE(KeyRing::WriteKeyFile(lower, *random_).ok());
  std::string hex;
  std::ifstream(lower) >> hex;
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::ofstream(upper) << hex << "\n";
  ::chmod(upper.c_str(), 0600);
  const StatusOr<KeyRing> a = KeyRing::FromFiles({{"k", lower}}, "k");
  const StatusOr<KeyRing> b = KeyRing::FromFiles({{"k", upper}}, "k");
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  const WrappedKey wrapped = a->Wrap("ws-1", Key::Generate(*random_), *random_);
  EXPECT_TRUE(b->Unwrap("ws-1", wrapped).ok());
}

}  // namespace
}  // namespace workspaced::crypto
