// Which address a request comes from, for rate limits and the audit log: the
// TCP peer, unless the peer is one of the configured trusted proxies — only
// then is the proxy's header (X-Forwarded-For, or RFC 7239 Forwarded)
// believed. A client talking to us directly cannot choose its address by
// sending the header; one behind a trusted proxy cannot either, because the
// header is read from the right: the first address that is not a trusted
// proxy is the one our proxies saw, whatever the client prepended.
//
// Thread-safety: immutable after construction; use from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace workspaced::http {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};  // IPv4 in the IPv4-mapped form ::ffff:a.b.c.d

  // "192.0.2.1" or "2001:db8::1"; nullopt for anything else.
  static std::optional<IpAddress> Parse(std::string_view text);
  bool IsV4() const;
  // Dotted quad for IPv4 (mapped or not), RFC 5952 text for IPv6.
  std::string ToString() const;
};

// One address or a CIDR range ("10.0.0.0/8", "2001:db8::/32").
class AddressRange {
 public:
  // nullopt when malformed or the prefix is too long for the address.
  static std::optional<AddressRange> Parse(std::string_view text);
  bool Contains(const IpAddress& address) const;

 private:
  IpAddress base_;  // masked to the prefix
  int prefix_bits_ = 128;
};

class ClientAddresses {
 public:
  // `header`: a header name; "Forwarded" (any case) is parsed as RFC 7239,
  // any other as a comma-separated list of addresses (X-Forwarded-For).
  ClientAddresses(std::vector<AddressRange> trusted_proxies, std::string header);

  bool IsTrustedProxy(std::string_view peer) const;
  // The address of the client of `request`, received from `peer`: `peer`
  // itself, or — the peer being a trusted proxy — the right-most address of
  // the header that is not a trusted proxy (the left-most when all are),
  // written to `storage`. A header entry that is not an address (`unknown`,
  // an obfuscated name) where the client should be gives the peer: the
  // proxy's own address, never one the client chose.
  std::string_view Resolve(std::string_view peer, const Request& request,
                           std::string& storage) const;

 private:
  bool Trusted(const IpAddress& address) const;

  std::vector<AddressRange> trusted_;
  std::string header_;
  bool forwarded_;  // header_ is RFC 7239 Forwarded
};

// The key an address is limited by: the address itself, but an IPv6 address
// by its /64 (one subscriber's prefix holds 2^64 addresses). Returns
// `address` or a view of `storage`.
std::string_view AddressKey(std::string_view address, std::string& storage);

}  // namespace workspaced::http
