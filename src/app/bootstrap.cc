#include "app/bootstrap.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include <boost/json.hpp>

#include "common/hex.h"
#include "common/hmac.h"
#include "common/private_file.h"
#include "common/regular_file.h"
#include "domain/actor.h"

namespace workspaced::app {
namespace fs = std::filesystem;

Status EnsureDataDir(const std::string& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    // Keys and databases live here: others must not read it.
    fs::permissions(dir, fs::perms::group_all | fs::perms::others_all, fs::perm_options::remove,
                    ec);
    return Status::Ok();
  }
  fs::create_directories(dir, ec);
  if (ec) return Internal("cannot create data directory " + dir + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, ec);
  return Status::Ok();
}

namespace {

std::optional<std::string> FromHex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

StatusOr<std::string> ReadKey(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return NotFound("no dev key at " + path);
  // As the key-encryption keys: a FIFO or a directory is refused as what it
  // is, never waited on (common/regular_file.h).
  StatusOr<RegularFile> file = ReadRegularFile(path, 4096);
  if (!file.ok()) return InvalidArgument("dev key " + file.status().message());
  if ((file->mode & 077) != 0) {
    return InvalidArgument("dev key " + path + " is readable by others; run: chmod 600 " + path);
  }
  std::istringstream in(file->contents);
  std::string hex;
  in >> hex;
  auto key = FromHex(hex);
  if (!key || key->size() < 32) return InvalidArgument("dev key " + path + " is malformed");
  return *key;
}

}  // namespace

std::string DevSignInCode(std::string_view dev_key) {
  const std::string mac = HmacSha256(dev_key, "workspaced/portal-dev-sign-in/v1");
  return HexEncode(std::string_view(mac).substr(0, 8));
}

StatusOr<std::string> LoadOrCreateDevKey(const std::string& data_dir, Random& random) {
  WS_RETURN_IF_ERROR(EnsureDataDir(data_dir));
  const std::string path = (fs::path(data_dir) / kDevKeyFile).string();
  auto existing = ReadKey(path);
  if (existing.ok() || existing.status().code() != Code::kNotFound) return existing;

  // Whole or not at all (a crash never leaves half a key), and two racing
  // starts agree on one key: the loser reads the winner's.
  const Status written = CreatePrivateFileOnce(path, RandomHex(random, 32) + "\n");
  if (!written.ok() && written.code() != Code::kConflict) return written;
  return ReadKey(path);
}

StatusOr<std::string> LoadDevKey(const std::string& data_dir) {
  return ReadKey((fs::path(data_dir) / kDevKeyFile).string());
}

StatusOr<model::Account> EnsureDefaultAccount(store::Store& store, const Clock& clock,
                                              Random& random) {
  static constexpr char kKey[] = "default_account_id";
  model::Account account;
  const model::Account fresh{NewUuidV7(random, clock), kDefaultAccountName, clock.Now()};
  WS_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(std::optional<std::string> id, tx.GetMeta(kKey));
    if (id) {
      WS_ASSIGN_OR_RETURN(account, tx.GetAccount(*id));
      return Status::Ok();
    }
    account = fresh;
    WS_RETURN_IF_ERROR(tx.InsertAccount(account));
    WS_RETURN_IF_ERROR(tx.PutAccountMember(
        {account.id, kDefaultAdmin, model::AccountRole::kAdmin, account.created_at}));
    // On record as any account's creation (audit verify expects one).
    model::AuditEvent e = domain::AuditEventBy(domain::Actor{"system", "system", "", "", ""},
                                               account.created_at, "account.create", "account",
                                               account.id, "");
    e.details = boost::json::serialize(boost::json::object{
        {"name", account.name}, {"admin", kDefaultAdmin}, {"default_account", true}});
    WS_RETURN_IF_ERROR(tx.AppendAudit(e));
    return tx.PutMeta(kKey, account.id);
  }));
  return account;
}

StatusOr<std::string> LoadOrCreateCursorKey(store::Store& store, Random& random) {
  static constexpr char kKey[] = "cursor_hmac_key";
  const std::string fresh = RandomHex(random, 32);
  std::string key;
  WS_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(key, tx.PutMetaIfAbsent(kKey, fresh));
    return Status::Ok();
  }));
  if (key.size() != fresh.size() ||
      key.find_first_not_of("0123456789abcdef") != std::string::npos)
    return Internal(std::string("the database's meta ") + kKey + " is not a 64-digit hex key");
  return key;
}

}  // namespace workspaced::app
