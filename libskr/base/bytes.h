// Byte buffers and bounds-checked access to fixed binary layouts.
#ifndef SKR_BASE_BYTES_H_
#define SKR_BASE_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/result.h"

namespace skr {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string AsString(ByteView b) { return std::string(b.begin(), b.end()); }
inline Bytes ToBytes(ByteView b) { return Bytes(b.begin(), b.end()); }
inline Bytes Concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}
bool IsAllZero(ByteView b);

// Formats an offset as 0x-prefixed hex, as the reference docs do.
std::string HexOffset(size_t offset);

// Reads integers and slices from a fixed layout at absolute offsets, or sequentially from a cursor.
// Every read is bounds-checked; failures name the structure, the field, the offset and the sizes,
// e.g. "SNP report: field REPORTED_TCB at 0x180 needs 8 bytes, buffer has 300".
class ByteReader {
 public:
  ByteReader(ByteView data, std::string structure)
      : data_(data), structure_(std::move(structure)) {}

  ByteView data() const { return data_; }
  size_t size() const { return data_.size(); }
  const std::string& structure() const { return structure_; }

  // Absolute reads.
  Result<ByteView> Slice(size_t offset, size_t len, std::string_view field) const;
  Result<uint8_t> U8(size_t offset, std::string_view field) const;
  Result<uint16_t> U16Le(size_t offset, std::string_view field) const;
  Result<uint32_t> U32Le(size_t offset, std::string_view field) const;
  Result<uint64_t> U64Le(size_t offset, std::string_view field) const;
  Result<uint16_t> U16Be(size_t offset, std::string_view field) const;
  Result<uint32_t> U32Be(size_t offset, std::string_view field) const;
  Result<uint64_t> U64Be(size_t offset, std::string_view field) const;

  // Sequential reads from the cursor, which then advances.
  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  void Seek(size_t pos) { pos_ = pos; }
  Result<ByteView> Take(size_t len, std::string_view field);
  Result<uint8_t> TakeU8(std::string_view field);
  Result<uint16_t> TakeU16Be(std::string_view field);
  Result<uint32_t> TakeU32Be(std::string_view field);
  Result<uint64_t> TakeU64Be(std::string_view field);
  Result<uint16_t> TakeU16Le(std::string_view field);
  Result<uint32_t> TakeU32Le(std::string_view field);
  // A big-endian u16 size followed by that many bytes (TPM2B_*).
  Result<ByteView> TakeSized16Be(std::string_view field);

  // Error helpers that carry the structure name.
  Error MalformedAt(size_t offset, std::string_view field, std::string_view what) const;

 private:
  ByteView data_;
  std::string structure_;
  size_t pos_ = 0;
};

// Appends or patches integers in a buffer (little- and big-endian).
class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(size_t size) : buf_(size, 0) {}

  Bytes& bytes() { return buf_; }
  Bytes Take() && { return std::move(buf_); }
  size_t size() const { return buf_.size(); }

  void Append(ByteView b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  void AppendU8(uint8_t v) { buf_.push_back(v); }
  void AppendU16Be(uint16_t v);
  void AppendU32Be(uint32_t v);
  void AppendU64Be(uint64_t v);
  void AppendU16Le(uint16_t v);
  void AppendU32Le(uint32_t v);
  void AppendU64Le(uint64_t v);
  void AppendSized16Be(ByteView b);  // TPM2B_*

  // Overwrite at an absolute offset; the buffer must already be large enough (asserts).
  void PutU16Le(size_t offset, uint16_t v);
  void PutU32Le(size_t offset, uint32_t v);
  void PutU64Le(size_t offset, uint64_t v);
  void Put(size_t offset, ByteView b);

 private:
  Bytes buf_;
};

}  // namespace skr

#endif  // SKR_BASE_BYTES_H_
