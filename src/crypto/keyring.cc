#include "crypto/keyring.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "common/base64url.h"
#include "common/hex.h"
#include "common/private_file.h"
#include "common/regular_file.h"
#include "common/time_format.h"

namespace workspaced::crypto {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kFilePrefix = "kek-";
constexpr std::string_view kFileSuffix = ".key";

std::string WrapAad(std::string_view workspace_id, std::string_view kek_id) {
  std::string aad = "workspaced/data-key/v1";
  aad.push_back('\0');
  aad += workspace_id;
  aad.push_back('\0');
  aad += kek_id;
  return aad;
}

int Nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;  // as `openssl rand -hex` or a vault may print it
  return -1;
}

// A key file holds 64 hex digits (either case) as its first word: a few
// hundred bytes at most, whatever the path names.
constexpr std::size_t kMaxKeyFileBytes = 4096;

StatusOr<Key> ReadKeyFile(const std::string& path) {
  // A FIFO, a device or a directory is refused as what it is, without
  // waiting for a writer (common/regular_file.h).
  StatusOr<RegularFile> file = ReadRegularFile(path, kMaxKeyFileBytes);
  if (!file.ok()) return InvalidArgument("key file " + file.status().message());
  if ((file->mode & 077) != 0) {
    Wipe(file->contents);
    return InvalidArgument("key file " + path + " is readable by others; run: chmod 600 " + path);
  }
  // The first word, as it was read before (white space around it is fine).
  std::string& text = file->contents;
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const std::size_t begin = std::min(text.find_first_not_of(kSpace), text.size());
  const std::string_view hex =
      std::string_view(text).substr(begin, text.find_first_of(kSpace, begin) - begin);
  std::string bytes(kKeyBytes, '\0');
  bool ok = hex.size() == 2 * kKeyBytes;
  for (std::size_t i = 0; ok && i < kKeyBytes; ++i) {
    const int hi = Nibble(hex[2 * i]), lo = Nibble(hex[2 * i + 1]);
    ok = hi >= 0 && lo >= 0;
    bytes[i] = static_cast<char>(ok ? hi * 16 + lo : 0);
  }
  Wipe(text);
  if (!ok) {
    Wipe(bytes);
    return InvalidArgument("key file " + path + " does not hold 64 hex characters");
  }
  StatusOr<Key> key = Key::FromBytes(bytes);
  Wipe(bytes);
  return key;
}

}  // namespace

bool IsKeyId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::string EncodeWrappedKey(const WrappedKey& key) {
  return "v1." + key.kek_id + "." + Base64UrlEncode(key.sealed);
}

StatusOr<WrappedKey> DecodeWrappedKey(std::string_view text) {
  const Status bad = Internal("a stored data key is malformed");
  if (text.substr(0, 3) != "v1.") return bad;
  text.remove_prefix(3);
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos || !IsKeyId(text.substr(0, dot))) return bad;
  std::optional<std::string> sealed = Base64UrlDecode(text.substr(dot + 1));
  if (!sealed || sealed->size() != kKeyBytes + kSealOverhead) return bad;
  return WrappedKey{std::string(text.substr(0, dot)), std::move(*sealed)};
}

StatusOr<KeyRing> KeyRing::FromFiles(
    const std::vector<std::pair<std::string, std::string>>& files, const std::string& active) {
  KeyRing ring;
  for (const auto& [id, path] : files) {
    if (!IsKeyId(id)) return InvalidArgument("key id '" + id + "' is not 1 to 64 of [a-z0-9-]");
    WS_ASSIGN_OR_RETURN(Key key, ReadKeyFile(path));
    if (!ring.keys_.emplace(id, std::move(key)).second)
      return InvalidArgument("key id '" + id + "' is named twice");
  }
  if (!ring.keys_.contains(active))
    return InvalidArgument("the active key '" + active + "' is not among the key files");
  ring.active_ = active;
  return ring;
}

StatusOr<std::vector<std::pair<std::string, std::string>>> KeyRing::KeyFilesIn(
    const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= kFilePrefix.size() + kFileSuffix.size() || !name.starts_with(kFilePrefix) ||
        !name.ends_with(kFileSuffix))
      continue;
    std::string id =
        name.substr(kFilePrefix.size(), name.size() - kFilePrefix.size() - kFileSuffix.size());
    if (IsKeyId(id)) files.emplace_back(std::move(id), entry.path().string());
  }
  if (ec) return Internal("cannot list " + dir + ": " + ec.message());
  return files;
}

StatusOr<KeyRing> KeyRing::InDirectory(const std::string& dir, Random& random,
                                       const Clock& clock) {
  WS_ASSIGN_OR_RETURN(auto files, KeyFilesIn(dir));
  if (files.empty()) {
    WS_ASSIGN_OR_RETURN(std::string id, CreateKeyFile(dir, random, clock));
    files.emplace_back(id, (fs::path(dir) / (std::string(kFilePrefix) + id +
                                             std::string(kFileSuffix)))
                               .string());
  }
  std::string active;
  for (const auto& [id, path] : files) active = std::max(active, id);
  return FromFiles(files, active);
}

StatusOr<std::string> KeyRing::CreateKeyFile(const std::string& dir, Random& random,
                                             const Clock& clock) {
  // 20261206t074500z-3fa9: sorts by creation time; the suffix keeps two
  // keys made in one second apart.
  std::string stamp = FormatRfc3339(clock.Now());  // 2026-12-06T07:45:00Z
  std::string id;
  for (const char c : stamp)
    if (c != '-' && c != ':') id.push_back(static_cast<char>(std::tolower(c)));
  id += "-" + RandomHex(random, 2);
  WS_RETURN_IF_ERROR(WriteKeyFile(
      (fs::path(dir) / (std::string(kFilePrefix) + id + std::string(kFileSuffix))).string(),
      random));
  return id;
}

Status KeyRing::WriteKeyFile(const std::string& path, Random& random) {
  const Key key = Key::Generate(random);
  std::string bytes = key.Bytes();
  std::string hex = HexEncode(bytes);
  Wipe(bytes);
  hex.push_back('\n');
  // Whole or not at all, and never over an existing key.
  Status written = CreatePrivateFileOnce(path, hex);
  Wipe(hex);
  if (written.code() == Code::kConflict) return Internal("key file " + path + " exists");
  return written;
}

std::vector<std::string> KeyRing::ids() const {
  std::vector<std::string> out;
  for (const auto& [id, key] : keys_) out.push_back(id);
  return out;
}

WrappedKey KeyRing::Wrap(std::string_view workspace_id, const Key& data_key,
                         Random& random) const {
  return WrapUnder(active_, workspace_id, data_key, random);
}

WrappedKey KeyRing::WrapUnder(std::string_view kek_id, std::string_view workspace_id,
                              const Key& data_key, Random& random) const {
  const Key& kek = keys_.find(kek_id)->second;
  std::string bytes = data_key.Bytes();
  WrappedKey out{std::string(kek_id), Seal(kek, WrapAad(workspace_id, kek_id), bytes, random)};
  Wipe(bytes);
  return out;
}

StatusOr<Key> KeyRing::Unwrap(std::string_view workspace_id, const WrappedKey& wrapped) const {
  const auto kek = keys_.find(wrapped.kek_id);
  if (kek == keys_.end())
    return Internal("the key-encryption key '" + wrapped.kek_id + "' is not configured");
  WS_ASSIGN_OR_RETURN(std::string bytes,
                      Open(kek->second, WrapAad(workspace_id, wrapped.kek_id), wrapped.sealed));
  StatusOr<Key> key = Key::FromBytes(bytes);
  Wipe(bytes);
  return key;
}

}  // namespace workspaced::crypto
