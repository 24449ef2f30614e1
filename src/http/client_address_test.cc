// Client addresses: the peer, unless a trusted proxy says otherwise.
#include "http/client_address.h"

#include <gtest/gtest.h>

namespace workspaced::http {
namespace {

std::vector<AddressRange> Ranges(std::initializer_list<std::string_view> texts) {
  std::vector<AddressRange> out;
  for (auto t : texts) out.push_back(*AddressRange::Parse(t));
  return out;
}

std::string ClientOf(const ClientAddresses& a, std::string_view peer, std::vector<Header> headers) {
  Request r;
  r.headers = std::move(headers);
  std::string storage;
  return std::string(a.Resolve(peer, r, storage));
}

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
  EXPECT_EQ(IpAddress::Parse("192.0.2.1")->ToString(), "192.0.2.1");
  EXPECT_TRUE(IpAddress::Parse("192.0.2.1")->IsV4());
  EXPECT_EQ(IpAddress::Parse("2001:0db8:0:0::1")->ToString(), "2001:db8::1");
  EXPECT_EQ(IpAddress::Parse("::ffff:192.0.2.1")->ToString(), "192.0.2.1");
  for (const char* bad :
       {"", "unknown", "192.0.2", "192.0.2.1:80", "[::1]", "example.com", "1.2.3.4 ", "::1%eth0"})
    EXPECT_FALSE(IpAddress::Parse(bad)) << bad;
}

TEST(AddressRange, MatchesItsPrefix) {
  const auto ten = *AddressRange::Parse("10.0.0.0/8");
  EXPECT_TRUE(ten.Contains(*IpAddress::Parse("10.255.1.2")));
  EXPECT_TRUE(ten.Contains(*IpAddress::Parse("::ffff:10.1.1.1")));
  EXPECT_FALSE(ten.Contains(*IpAddress::Parse("11.0.0.1")));
  const auto one = *AddressRange::Parse("192.0.2.7");
  EXPECT_TRUE(one.Contains(*IpAddress::Parse("192.0.2.7")));
  EXPECT_FALSE(one.Contains(*IpAddress::Parse("192.0.2.8")));
  const auto v6 = *AddressRange::Parse("2001:db8::/32");
  EXPECT_TRUE(v6.Contains(*IpAddress::Parse("2001:db8:ffff::1")));
  EXPECT_FALSE(v6.Contains(*IpAddress::Parse("2001:db9::1")));
  EXPECT_FALSE(v6.Contains(*IpAddress::Parse("10.0.0.1")));
  EXPECT_TRUE(AddressRange::Parse("0.0.0.0/0")->Contains(*IpAddress::Parse("8.8.8.8")));
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "proxy", "/8"})
    EXPECT_FALSE(AddressRange::Parse(bad)) << bad;
}

TEST(ClientAddresses, WithoutTrustedProxiesThePeerIsTheClient) {
  const ClientAddresses a({}, "X-Forwarded-For");
  EXPECT_EQ(ClientOf(a, "203.0.113.9", {{"X-Forwarded-For", "198.51.100.1"}}), "203.0.113.9");
}

TEST(ClientAddresses, AnUntrustedPeersHeaderIsIgnored) {
  const ClientAddresses a(Ranges({"10.0.0.0/8"}), "X-Forwarded-For");
  EXPECT_EQ(ClientOf(a, "203.0.113.9", {{"X-Forwarded-For", "198.51.100.1"}}), "203.0.113.9");
}

TEST(ClientAddresses, ATrustedProxyNamesTheClient) {
  const ClientAddresses a(Ranges({"10.0.0.0/8"}), "X-Forwarded-For");
  EXPECT_EQ(ClientOf(a, "10.0.0.2", {{"X-Forwarded-For", "198.51.100.1"}}), "198.51.100.1");
  EXPECT_EQ(ClientOf(a, "10.0.0.2", {{"x-forwarded-for", " 198.51.100.1 , 10.1.1.1"}}),
            "198.51.100.1");
  // Without the header, the proxy itself.
  EXPECT_EQ(ClientOf(a, "10.0.0.2", {}), "10.0.0.2");
}

TEST(ClientAddresses, WhatTheClientPrependsIsNeverBelieved) {
  const ClientAddresses a(Ranges({"10.0.0.0/8"}), "X-Forwarded-For");
  // The client sent "X-Forwarded-For: 1.1.1.1"; our proxy appended what it saw.
  EXPECT_EQ(ClientOf(a, "10.0.0.2", {{"X-Forwarded-For", "1.1.1.1, 198.51.100.1"}}),
            "198.51.100.1");
  // Split over two fields, it is one list.
  EXPECT_EQ(ClientOf(a, "10.0.0.2",
                     {{"X-Forwarded-For", "1.1.1.1"}, {"X-Forwarded-For", "198.51.100.1"}}),
            "198.51.100.1");
  // Garbage where the client's address should be: the proxy's address.
  EXPECT_EQ(ClientOf(a, "10.0.0.2", {{"X-Forwarded-For", "1.1.1.1, unknown"}}), "10.0.0.2");
}

TEST(ClientAddresses, AllTrustedGivesTheLeftMost) {
  const ClientAddresses a(Ranges({"10.0.0.0/8"}), "X-Forwarded-For");
  EXPECT_EQ(ClientOf(a, "10.0.0.2", {{"X-Forwarded-For", "10.9.9.9, 10.0.0.3"}}), "10.9.9.9");
}

TEST(ClientAddresses, PortsAndBracketsAreStripped) {
  const ClientAddresses a(Ranges({"127.0.0.1"}), "X-Forwarded-For");
  EXPECT_EQ(ClientOf(a, "127.0.0.1", {{"X-Forwarded-For", "198.51.100.1:4711"}}), "198.51.100.1");
  EXPECT_EQ(ClientOf(a, "127.0.0.1", {{"X-Forwarded-For", "[2001:db8::7]:4711"}}), "2001:db8::7");
  EXPECT_EQ(ClientOf(a, "::ffff:127.0.0.1", {{"X-Forwarded-For", "2001:db8::7"}}), "2001:db8::7");
}

TEST(ClientAddresses, ReadsTheForwardedHeaderOfRfc7239) {
  const ClientAddresses a(Ranges({"10.0.0.0/8"}), "Forwarded");
  EXPECT_EQ(
      ClientOf(a, "10.0.0.2",
               {{"Forwarded", R"(for=1.1.1.1;proto=https, for="[2001:db8::7]:443";by=10.0.0.2)"}}),
      "2001:db8::7");
  EXPECT_EQ(ClientOf(a, "10.0.0.2", {{"Forwarded", "proto=https;For=198.51.100.1"}}),
            "198.51.100.1");
  EXPECT_EQ(ClientOf(a, "10.0.0.2", {{"Forwarded", "for=_hidden"}}), "10.0.0.2");
  EXPECT_EQ(ClientOf(a, "10.0.0.2", {{"X-Forwarded-For", "198.51.100.1"}}), "10.0.0.2");
}

TEST(AddressKey, CountsAnIpv6ClientByItsSlash64) {
  std::string storage;
  EXPECT_EQ(AddressKey("192.0.2.1", storage), "192.0.2.1");
  EXPECT_EQ(AddressKey("::ffff:192.0.2.1", storage), "192.0.2.1");
  EXPECT_EQ(AddressKey("2001:db8:1:2:aaaa::1", storage), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressKey("2001:db8:1:2:bbbb::9", storage), "2001:db8:1:2::/64");
}

}  // namespace
}  // namespace workspaced::http
