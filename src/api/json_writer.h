// Appends JSON text straight into a string: no intermediate document tree, so
// rendering a page of resources costs one pass and a few allocations.
// The caller keeps the structure balanced; Key/Value handle commas.
//
// Thread-safety: one writer per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/log.h"

namespace workspaced::api {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }

  void Key(std::string_view k) {
    Comma();
    String(k);
    out_.push_back(':');
    after_key_ = true;
  }
  void Value(std::string_view v) {
    Comma();
    String(v);
  }
  void Value(std::int64_t v) {
    Comma();
    out_ += std::to_string(v);
  }
  void Null() {
    Comma();
    out_ += "null";
  }
  // A value that is already JSON text (trusted: written by this service).
  void RawValue(std::string_view json) {
    Comma();
    out_ += json;
  }
  // Key then value, the common case.
  template <typename T>
  void Field(std::string_view k, const T& v) {
    Key(k);
    Value(v);
  }

 private:
  void Open(char c) {
    Comma();
    out_.push_back(c);
    first_ = true;
  }
  void Close(char c) {
    out_.push_back(c);
    first_ = false;
  }
  void Comma() {
    if (after_key_) {
      after_key_ = false;
    } else if (!first_) {
      out_.push_back(',');
    }
    first_ = false;
  }
  void String(std::string_view s) {
    out_.push_back('"');
    log::AppendJsonEscaped(out_, s);
    out_.push_back('"');
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace workspaced::api
