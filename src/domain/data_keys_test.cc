// Data keys across a rotation, on every store backend, with time injected:
// a new key is wrapped under the KEK the store names (the ring reloaded
// once to get it), a key rewrapped by a rotation opens in a process that
// loaded its ring before it, a KEK missing from the key files answers
// key_unavailable and is looked for at most once a second, and Rotate
// counts what it replaced and lists what it could not.
#include "domain/data_keys.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "domain/domain_test_fixture.h"

namespace workspaced::domain::testing {
namespace {

class DataKeysTest : public DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    std::filesystem::create_directories(keys_dir());
    keys_ = OpenKeys();
    ASSERT_NE(keys_, nullptr);
    ASSERT_TRUE(keys_->ForWorkspace(ws_, /*create=*/true).ok());
    old_kek_ = KekOf(Stored());
    ASSERT_FALSE(old_kek_.empty());
  }
  std::string keys_dir() const { return (dir_.path() / "keys").string(); }
  // DataKeys over the key directory, as a process opens them; counts loads.
  std::unique_ptr<DataKeys> OpenKeys() {
    auto keys = DataKeys::Open(
        [this] {
          ++loads_;
          return crypto::KeyRing::InDirectory(keys_dir(), *random_, clock_);
        },
        *store_, manual_, *random_);
    EXPECT_TRUE(keys.ok()) << keys.status().message();
    return keys.ok() ? std::move(*keys) : nullptr;
  }
  // What `keys rotate` does on the embedded default, in another process:
  // a new key file, then Rotate.
  DataKeys::Rotation RotateElsewhere() {
    manual_.Advance(1'000'000);
    auto id = crypto::KeyRing::CreateKeyFile(keys_dir(), *random_, later_);
    EXPECT_TRUE(id.ok());
    std::unique_ptr<DataKeys> rotator = OpenKeys();
    auto rotation = rotator->Rotate();
    EXPECT_TRUE(rotation.ok()) << rotation.status().message();
    EXPECT_EQ(rotation->active, *id);
    return *rotation;
  }
  std::string Stored(const std::string& ws = "") {
    std::optional<std::string> stored;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(stored, tx.GetDataKey(ws.empty() ? ws_ : ws));
                      return Status::Ok();
                    })
                    .ok());
    return stored.value_or("");
  }
  static std::string KekOf(const std::string& stored) {
    auto wrapped = crypto::DecodeWrappedKey(stored);
    return wrapped.ok() ? wrapped->kek_id : "";
  }
  // A workspace of its own (n >= 2; 1 is ws_), without a data key.
  std::string AnotherWorkspace(int n = 2) {
    const std::string id = store::testing::Id(n);
    EXPECT_TRUE(store_
                    ->Write([&](store::Tx& tx) {
                      return tx.InsertWorkspace(store::testing::MakeWorkspace(
                          id, store::testing::kAcme, "other-" + std::to_string(n)));
                    })
                    .ok());
    return id;
  }

  ManualClock manual_;
  // Key ids are creation times: the rotation's key is made a day later.
  ManualClock later_{clock_.Now() + 86'400'000'000};
  int loads_ = 0;
  std::unique_ptr<DataKeys> keys_;
  std::string old_kek_;
};

TEST_P(DataKeysTest, ANewKeyAfterARotationElsewhereIsWrappedUnderTheStoresActiveKek) {
  const DataKeys::Rotation rotation = RotateElsewhere();
  EXPECT_EQ(rotation.rewrapped, 1);
  EXPECT_EQ(KekOf(Stored()), rotation.active);
  const int loads = loads_;
  const std::string other = AnotherWorkspace();
  ASSERT_TRUE(keys_->ForWorkspace(other, /*create=*/true).ok());
  EXPECT_EQ(KekOf(Stored(other)), rotation.active);  // not this process's old_kek_
  EXPECT_EQ(loads_, loads + 1);                      // one reload found it
  ASSERT_TRUE(keys_->ForWorkspace(ws_, /*create=*/false).ok());
  EXPECT_EQ(loads_, loads + 1);
}

TEST_P(DataKeysTest, AKeyTheRotationRewrappedOpensAfterTheOldKekFileIsGone) {
  const crypto::Key before = *keys_->ForWorkspace(ws_, /*create=*/false);
  RotateElsewhere();
  ASSERT_TRUE(
      std::filesystem::remove(std::filesystem::path(keys_dir()) / ("kek-" + old_kek_ + ".key")));
  const auto after = keys_->ForWorkspace(ws_, /*create=*/false);
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->Bytes(), before.Bytes());
}

TEST_P(DataKeysTest, AMissingActiveKekAnswersKeyUnavailableAndIsLookedForAtMostOnceASecond) {
  ASSERT_TRUE(store_
                  ->Write([](store::Tx& tx) {
                    return tx.PutMeta(DataKeys::kActiveKekMeta, "20990101t000000z-dead");
                  })
                  .ok());
  const std::string other = AnotherWorkspace();
  const int loads = loads_;
  for (int i = 0; i < 3; ++i) {
    const auto refused = keys_->ForWorkspace(other, /*create=*/true);
    EXPECT_EQ(refused.status().code(), Code::kUnavailable);
    EXPECT_EQ(refused.status().cause(), Cause::kKeyUnavailable);
  }
  EXPECT_EQ(loads_, loads + 1);
  EXPECT_EQ(Stored(other), "");  // nothing wrapped under a stale KEK
  manual_.Advance(DataKeys::kReloadEvery);
  EXPECT_FALSE(keys_->ForWorkspace(other, /*create=*/true).ok());
  EXPECT_EQ(loads_, loads + 2);
  // Keys under KEKs the ring has open without reloading.
  EXPECT_TRUE(keys_->ForWorkspace(ws_, /*create=*/false).ok());
  EXPECT_EQ(loads_, loads + 2);
}

// A reload is at most once a second for each missing id, not for all: a
// second rotation within the second after the first was followed names a
// new id, looked for at once (it answered key_unavailable until the second
// was over, its key file there all along).
TEST_P(DataKeysTest, ASecondRotationWithinTheSecondIsFollowedAtOnce) {
  RotateElsewhere();
  ASSERT_TRUE(keys_->ForWorkspace(AnotherWorkspace(), /*create=*/true).ok());
  later_.Advance(1'000'000);  // a new key id; this process's clock stands still
  auto id = crypto::KeyRing::CreateKeyFile(keys_dir(), *random_, later_);
  ASSERT_TRUE(id.ok());
  auto rotation = OpenKeys()->Rotate();
  ASSERT_TRUE(rotation.ok()) << rotation.status().message();
  EXPECT_EQ(rotation->active, *id);
  const std::string third = AnotherWorkspace(3);
  const auto created = keys_->ForWorkspace(third, /*create=*/true);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(KekOf(Stored(third)), *id);
}

TEST_P(DataKeysTest, RotateCountsWhatItReplacedAndListsWhatItCouldNot) {
  const std::string other = AnotherWorkspace();
  // A key under a KEK no key file holds any more.
  ASSERT_TRUE(
      store_
          ->Write([&](store::Tx& tx) -> Status {
            return tx.PutDataKeyIfAbsent(other, "v1.gone." + std::string(80, 'A'), 1).status();
          })
          .ok());
  const DataKeys::Rotation rotation = RotateElsewhere();
  EXPECT_EQ(rotation.rewrapped, 1);
  ASSERT_EQ(rotation.failed.size(), 1u);
  EXPECT_TRUE(rotation.failed.contains(other));
  EXPECT_EQ(KekOf(Stored()), rotation.active);
  // Again: nothing left to rewrap but the one that cannot be.
  auto again = OpenKeys()->Rotate();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->rewrapped, 0);
  EXPECT_EQ(again->failed.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, DataKeysTest,
                         ::testing::ValuesIn(store::testing::Backends(/*pool_size=*/8)),
                         store::testing::BackendName);

}  // namespace
}  // namespace workspaced::domain::testing
