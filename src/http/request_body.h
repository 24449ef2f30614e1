// A request body as a Beast body type: bytes that grow with what arrives.
// Beast's string_body reserves a request's announced Content-Length as soon
// as its header is read, so a client could make the server allocate (and
// the body budget hold) a megabyte it never sends. This one allocates only
// for bytes received: its capacity at most doubles on each growth, never
// past `growth_cap` (the body limit, or the announced length) but for the
// bytes themselves, and the transport counts that capacity against the
// budget as it grows (Session::GrowBody). A growth copies the bytes and
// overwrites the old ones before freeing them: a body may be a secret, and
// which is not known while it is read. The parser's body limit still
// applies. Internal to src/http (includes Beast).
//
// Thread-safety: one reader per message, as any Beast body.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string.h>  // explicit_bzero

namespace workspaced::http {

struct RequestBody {
  struct value_type {
    std::string bytes;
    std::size_t growth_cap = std::numeric_limits<std::size_t>::max();
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
      // No reservation: the announced length is a promise, not bytes.
      if (length && *length > body_.bytes.max_size()) {
        ec = boost::beast::http::error::buffer_overflow;
        return;
      }
      if (length) body_.growth_cap = std::min<std::uint64_t>(body_.growth_cap, *length);
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      std::string& bytes = body_.bytes;
      const std::size_t extra = boost::asio::buffer_size(buffers);
      if (extra > bytes.max_size() - bytes.size()) {
        ec = boost::beast::http::error::buffer_overflow;
        return 0;
      }
      const std::size_t needed = bytes.size() + extra;
      if (needed > bytes.capacity()) Grow(needed);
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        const boost::asio::const_buffer b = *it;
        bytes.append(static_cast<const char*>(b.data()), b.size());
      }
      ec = {};
      return extra;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    void Grow(std::size_t needed) {
      std::string& bytes = body_.bytes;
      const std::size_t doubled =
          bytes.capacity() > bytes.max_size() / 2 ? bytes.max_size() : 2 * bytes.capacity();
      std::string grown;
      grown.reserve(std::max(needed, std::min(doubled, body_.growth_cap)));
      grown.append(bytes);
      Wipe(bytes);
      bytes.swap(grown);
    }
    static void Wipe(std::string& s) { explicit_bzero(s.data(), s.size()); }

    value_type& body_;
  };
};

}  // namespace workspaced::http
