#include "http/client_address.h"


#include <arpa/inet.h>
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "common/text.h"

namespace workspaced::http {

namespace {

constexpr std::array<std::uint8_t, 12> kV4Mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One node of a forwarding header: an address, optionally quoted, an IPv6
// one optionally in brackets, either optionally with a port.
std::optional<IpAddress> ParseNode(std::string_view node) {
  node = Trim(node);
  if (node.size() >= 2 && node.front() == '"' && node.back() == '"')
    node = node.substr(1, node.size() - 2);
  if (!node.empty() && node.front() == '[') {
    const auto close = node.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return IpAddress::Parse(node.substr(1, close - 1));
  }
  if (std::count(node.begin(), node.end(), ':') == 1) node = node.substr(0, node.find(':'));
  return IpAddress::Parse(node);
}

// The `for=` value of one element of an RFC 7239 Forwarded header ("" when
// the element has none).
std::string_view ForwardedFor(std::string_view element) {
  while (!element.empty()) {
    const auto semi = element.find(';');
    const std::string_view pair = Trim(element.substr(0, semi));
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && EqualsIgnoreCase(Trim(pair.substr(0, eq)), "for"))
      return pair.substr(eq + 1);
    if (semi == std::string_view::npos) break;
    element.remove_prefix(semi + 1);
  }
  return {};
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  if (text.find(':') == std::string_view::npos) {
    std::copy(kV4Mapped.begin(), kV4Mapped.end(), a.bytes.begin());
    if (inet_pton(AF_INET, buf, a.bytes.data() + 12) != 1) return std::nullopt;
  } else if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) {
    return std::nullopt;
  }
  return a;
}

bool IpAddress::IsV4() const {
  return std::equal(kV4Mapped.begin(), kV4Mapped.end(), bytes.begin());
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (IsV4()) return inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  return inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
}

std::optional<AddressRange> AddressRange::Parse(std::string_view text) {
  text = Trim(text);
  const auto slash = text.find('/');
  const auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  const int width = address->IsV4() ? 32 : 128;
  int bits = width;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (ec != std::errc() || end != digits.data() + digits.size() || bits < 0 || bits > width)
      return std::nullopt;
  }
  AddressRange r;
  r.prefix_bits_ = bits + (128 - width);
  r.base_ = *address;
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(r.prefix_bits_ - 8 * i, 0, 8);
    r.base_.bytes[i] &= static_cast<std::uint8_t>(0xff00 >> keep);
  }
  return r;
}

bool AddressRange::Contains(const IpAddress& address) const {
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(prefix_bits_ - 8 * i, 0, 8);
    if (keep == 0) return true;
    if ((address.bytes[i] & static_cast<std::uint8_t>(0xff00 >> keep)) != base_.bytes[i])
      return false;
  }
  return true;
}

ClientAddresses::ClientAddresses(std::vector<AddressRange> trusted_proxies, std::string header)
    : trusted_(std::move(trusted_proxies)),
      header_(std::move(header)),
      forwarded_(EqualsIgnoreCase(header_, "forwarded")) {}

bool ClientAddresses::Trusted(const IpAddress& address) const {
  return std::any_of(trusted_.begin(), trusted_.end(),
                     [&](const AddressRange& r) { return r.Contains(address); });
}

bool ClientAddresses::IsTrustedProxy(std::string_view peer) const {
  if (trusted_.empty()) return false;
  const auto address = IpAddress::Parse(peer);
  return address && Trusted(*address);
}

std::string_view ClientAddresses::Resolve(std::string_view peer, const Request& request,
                                          std::string& storage) const {
  if (header_.empty() || !IsTrustedProxy(peer)) return peer;
  // Every node of every field with the header's name, in order (RFC 9110
  // §5.3: several fields are one comma-separated list).
  std::vector<std::string_view> nodes;
  for (const Header& h : request.headers) {
    if (!EqualsIgnoreCase(h.name, header_)) continue;
    std::string_view list = h.value;
    while (true) {
      const auto comma = list.find(',');
      const std::string_view item = list.substr(0, comma);
      nodes.push_back(forwarded_ ? ForwardedFor(item) : item);
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  std::optional<IpAddress> client;
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    client = ParseNode(*it);
    if (!client) return peer;
    if (!Trusted(*client)) break;
  }
  if (!client) return peer;
  storage = client->ToString();
  return storage;
}

std::string_view AddressKey(std::string_view address, std::string& storage) {
  if (address.find(':') == std::string_view::npos) return address;
  auto parsed = IpAddress::Parse(address);
  if (!parsed) return address;
  if (parsed->IsV4()) {
    storage = parsed->ToString();
    return storage;
  }
  std::fill(parsed->bytes.begin() + 8, parsed->bytes.end(), 0);
  storage = parsed->ToString() + "/64";
  return storage;
}

}  // namespace workspaced::http
