// The Customer Portal's files (portal/), bundled by esbuild at build time and
// compiled into the binary (portal/build.mjs writes portal_assets.cc), so the
// page always matches the server and needs nothing outside it.
//
// Thread-safety: immutable static data; safe from any thread.
#pragma once

#include <span>
#include <string_view>

namespace workspaced::portal {

struct Asset {
  std::string_view name;          // "index.html", or "assets/<name>-<hash>.<ext>"
  std::string_view content_type;  // with charset for text
  std::string_view body;
  std::string_view etag;  // strong, quoted: a hash of the body
  // Content-hashed name: cacheable for a year (a new build gets new names).
  bool immutable = false;
};

// Every file, index.html first.
std::span<const Asset> Assets();
// The file of that name, or null.
const Asset* FindAsset(std::string_view name);

}  // namespace workspaced::portal
