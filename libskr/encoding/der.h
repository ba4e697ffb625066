// Minimal DER (X.690) writer and bounds-checked reader, enough for X.509 extension values: AMD
// VCEK extensions (INTEGER, OCTET STRING, IA5String; evidence-formats.md 1.6) and the Intel SGX
// PCK extension 1.2.840.113741.1.13.1 (SEQUENCE of SEQUENCE{OID, value}).
// Only low tag numbers (one identifier octet) are supported; the indefinite length is rejected.
#ifndef SKR_ENCODING_DER_H_
#define SKR_ENCODING_DER_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"

namespace skr::der {

// Identifier octets (universal class).
inline constexpr uint8_t kBoolean = 0x01;
inline constexpr uint8_t kInteger = 0x02;
inline constexpr uint8_t kBitString = 0x03;
inline constexpr uint8_t kOctetString = 0x04;
inline constexpr uint8_t kNull = 0x05;
inline constexpr uint8_t kOid = 0x06;
inline constexpr uint8_t kEnumerated = 0x0A;
inline constexpr uint8_t kUtf8String = 0x0C;
inline constexpr uint8_t kPrintableString = 0x13;
inline constexpr uint8_t kIa5String = 0x16;
inline constexpr uint8_t kUtcTime = 0x17;
inline constexpr uint8_t kGeneralizedTime = 0x18;
inline constexpr uint8_t kSequence = 0x30;
inline constexpr uint8_t kSet = 0x31;
// Context-specific constructed [n] (EXPLICIT tagging), e.g. ContextTag(0) = 0xA0.
constexpr uint8_t ContextTag(uint8_t n) { return static_cast<uint8_t>(0xA0 | (n & 0x1F)); }

// ---- Writer ----
// tag || length (short or long form, minimal) || content.
Bytes Tlv(uint8_t tag, ByteView content);
Bytes Integer(uint64_t v);  // minimal two's complement, non-negative
// A non-negative INTEGER from a big-endian magnitude (leading zeros stripped, a 0x00 sign byte
// added when the top bit is set; empty = 0).
Bytes IntegerFromMagnitude(ByteView big_endian);
Bytes OctetString(ByteView v);
Bytes Ia5String(std::string_view s);
Bytes Utf8String(std::string_view s);
Bytes PrintableString(std::string_view s);
Bytes Boolean(bool v);  // DER: 0xFF / 0x00
Bytes Enumerated(uint64_t v);
Bytes Null();
Bytes BitString(ByteView bytes);  // no unused bits
// "1.2.840.113741.1.13.1" -> 06 .. ; InvalidArgument for a malformed dotted string.
Result<Bytes> Oid(std::string_view dotted);
Bytes Sequence(std::span<const Bytes> elements);  // concatenation wrapped in 0x30
Bytes Set(std::span<const Bytes> elements);       // as given (no DER SET OF sorting)

// ---- Reader ----
// One TLV as read (named Element because Tlv() is the writer).
struct Element {
  uint8_t tag = 0;
  ByteView content;
  size_t offset = 0;          // of the identifier octet, relative to the outermost buffer
  size_t content_offset = 0;  // of the first content octet, same base
};

// Reads consecutive TLVs from a buffer. Errors are Malformed and name the structure, the field,
// the offset and what was expected vs found, e.g.
// "PCK extension: field FMSPC at 0x1c: expected tag 0x04, found 0x02".
class Reader {
 public:
  // `base_offset` is added to offsets in errors (for readers over nested content).
  explicit Reader(ByteView data, std::string structure = "DER", size_t base_offset = 0)
      : data_(data), structure_(std::move(structure)), base_(base_offset) {}

  bool done() const { return pos_ == data_.size(); }
  size_t offset() const { return base_ + pos_; }
  const std::string& structure() const { return structure_; }

  // The next TLV of any tag. Rejects truncation, lengths past the end, the indefinite form,
  // non-minimal long-form lengths and high tag numbers.
  Result<Element> Next(std::string_view field = "element");
  // The next TLV without consuming it (for OPTIONAL and DEFAULT fields).
  Result<Element> Peek(std::string_view field = "element") const;
  // True if there is a next TLV and it has `tag` (malformed data: false).
  bool NextIs(uint8_t tag) const;
  // The next TLV, which must have `tag`.
  Result<Element> Expect(uint8_t tag, std::string_view field);
  // A reader over the content of the next TLV, which must have `tag` (e.g. kSequence).
  Result<Reader> Enter(uint8_t tag, std::string_view field);

  // Non-negative INTEGER fitting in 64 bits, minimally encoded.
  Result<uint64_t> ReadInteger(std::string_view field);
  Result<uint64_t> ReadEnumerated(std::string_view field);
  Result<bool> ReadBoolean(std::string_view field);  // 0x00 or 0xFF only
  Result<ByteView> ReadOctetString(std::string_view field);
  Result<std::string> ReadIa5String(std::string_view field);
  Result<std::string> ReadOid(std::string_view field);  // dotted form
  // Fails unless every byte was consumed.
  Result<void> ExpectDone(std::string_view what) const;

  // Malformed error "<structure>: field <field> at <offset>: <what>".
  Error MalformedAt(size_t absolute_offset, std::string_view field, std::string_view what) const;

 private:
  ByteView data_;
  std::string structure_;
  size_t base_;
  size_t pos_ = 0;
};

// Content decoders for an Element already read (same rules as the Reader methods).
Result<uint64_t> DecodeInteger(const Element& tlv, std::string_view structure,
                               std::string_view field);
Result<std::string> DecodeOid(const Element& tlv, std::string_view structure,
                              std::string_view field);
Result<bool> DecodeBoolean(const Element& tlv, std::string_view structure, std::string_view field);
// A reader over the content of an element (offsets in errors stay absolute).
Reader ContentReader(const Element& tlv, std::string structure);

}  // namespace skr::der

#endif  // SKR_ENCODING_DER_H_
