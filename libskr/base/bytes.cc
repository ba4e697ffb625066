#include "libskr/base/bytes.h"

#include <algorithm>
#include <cassert>
#include <cstdio>

namespace skr {

bool IsAllZero(ByteView b) {
  return std::all_of(b.begin(), b.end(), [](uint8_t c) { return c == 0; });
}

std::string HexOffset(size_t offset) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%zx", offset);
  return buf;
}

Error ByteReader::MalformedAt(size_t offset, std::string_view field, std::string_view what) const {
  return Malformed(structure_ + ": field " + std::string(field) + " at " + HexOffset(offset) +
                   ": " + std::string(what));
}

Result<ByteView> ByteReader::Slice(size_t offset, size_t len, std::string_view field) const {
  if (offset > data_.size() || len > data_.size() - offset) {
    return MalformedAt(offset, field,
                       "needs " + std::to_string(len) + " bytes, buffer has " +
                           std::to_string(data_.size()) + " (truncated input?)");
  }
  return data_.subspan(offset, len);
}

namespace {
template <typename T>
T LoadLe(ByteView b) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(b[i]) << (8 * i);
  return v;
}
template <typename T>
T LoadBe(ByteView b) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | b[i]);
  return v;
}
}  // namespace

Result<uint8_t> ByteReader::U8(size_t o, std::string_view f) const {
  SKR_ASSIGN_OR_RETURN(ByteView b, Slice(o, 1, f));
  return b[0];
}
Result<uint16_t> ByteReader::U16Le(size_t o, std::string_view f) const {
  SKR_ASSIGN_OR_RETURN(ByteView b, Slice(o, 2, f));
  return LoadLe<uint16_t>(b);
}
Result<uint32_t> ByteReader::U32Le(size_t o, std::string_view f) const {
  SKR_ASSIGN_OR_RETURN(ByteView b, Slice(o, 4, f));
  return LoadLe<uint32_t>(b);
}
Result<uint64_t> ByteReader::U64Le(size_t o, std::string_view f) const {
  SKR_ASSIGN_OR_RETURN(ByteView b, Slice(o, 8, f));
  return LoadLe<uint64_t>(b);
}
Result<uint16_t> ByteReader::U16Be(size_t o, std::string_view f) const {
  SKR_ASSIGN_OR_RETURN(ByteView b, Slice(o, 2, f));
  return LoadBe<uint16_t>(b);
}
Result<uint32_t> ByteReader::U32Be(size_t o, std::string_view f) const {
  SKR_ASSIGN_OR_RETURN(ByteView b, Slice(o, 4, f));
  return LoadBe<uint32_t>(b);
}
Result<uint64_t> ByteReader::U64Be(size_t o, std::string_view f) const {
  SKR_ASSIGN_OR_RETURN(ByteView b, Slice(o, 8, f));
  return LoadBe<uint64_t>(b);
}

Result<ByteView> ByteReader::Take(size_t len, std::string_view field) {
  SKR_ASSIGN_OR_RETURN(ByteView b, Slice(pos_, len, field));
  pos_ += len;
  return b;
}
Result<uint8_t> ByteReader::TakeU8(std::string_view f) {
  SKR_ASSIGN_OR_RETURN(ByteView b, Take(1, f));
  return b[0];
}
Result<uint16_t> ByteReader::TakeU16Be(std::string_view f) {
  SKR_ASSIGN_OR_RETURN(ByteView b, Take(2, f));
  return LoadBe<uint16_t>(b);
}
Result<uint32_t> ByteReader::TakeU32Be(std::string_view f) {
  SKR_ASSIGN_OR_RETURN(ByteView b, Take(4, f));
  return LoadBe<uint32_t>(b);
}
Result<uint64_t> ByteReader::TakeU64Be(std::string_view f) {
  SKR_ASSIGN_OR_RETURN(ByteView b, Take(8, f));
  return LoadBe<uint64_t>(b);
}
Result<uint16_t> ByteReader::TakeU16Le(std::string_view f) {
  SKR_ASSIGN_OR_RETURN(ByteView b, Take(2, f));
  return LoadLe<uint16_t>(b);
}
Result<uint32_t> ByteReader::TakeU32Le(std::string_view f) {
  SKR_ASSIGN_OR_RETURN(ByteView b, Take(4, f));
  return LoadLe<uint32_t>(b);
}
Result<ByteView> ByteReader::TakeSized16Be(std::string_view field) {
  SKR_ASSIGN_OR_RETURN(uint16_t len, TakeU16Be(std::string(field) + ".size"));
  return Take(len, field);
}

void ByteWriter::AppendU16Be(uint16_t v) {
  buf_.push_back(v >> 8);
  buf_.push_back(v & 0xff);
}
void ByteWriter::AppendU32Be(uint32_t v) {
  AppendU16Be(v >> 16);
  AppendU16Be(v & 0xffff);
}
void ByteWriter::AppendU64Be(uint64_t v) {
  AppendU32Be(v >> 32);
  AppendU32Be(v & 0xffffffff);
}
void ByteWriter::AppendU16Le(uint16_t v) {
  buf_.push_back(v & 0xff);
  buf_.push_back(v >> 8);
}
void ByteWriter::AppendU32Le(uint32_t v) {
  AppendU16Le(v & 0xffff);
  AppendU16Le(v >> 16);
}
void ByteWriter::AppendU64Le(uint64_t v) {
  AppendU32Le(v & 0xffffffff);
  AppendU32Le(v >> 32);
}
void ByteWriter::AppendSized16Be(ByteView b) {
  assert(b.size() <= 0xffff);
  AppendU16Be(static_cast<uint16_t>(b.size()));
  Append(b);
}
void ByteWriter::PutU16Le(size_t o, uint16_t v) {
  assert(o + 2 <= buf_.size());
  for (int i = 0; i < 2; ++i) buf_[o + i] = (v >> (8 * i)) & 0xff;
}
void ByteWriter::PutU32Le(size_t o, uint32_t v) {
  assert(o + 4 <= buf_.size());
  for (int i = 0; i < 4; ++i) buf_[o + i] = (v >> (8 * i)) & 0xff;
}
void ByteWriter::PutU64Le(size_t o, uint64_t v) {
  assert(o + 8 <= buf_.size());
  for (int i = 0; i < 8; ++i) buf_[o + i] = (v >> (8 * i)) & 0xff;
}
void ByteWriter::Put(size_t o, ByteView b) {
  assert(o + b.size() <= buf_.size());
  std::copy(b.begin(), b.end(), buf_.begin() + o);
}

}  // namespace skr
