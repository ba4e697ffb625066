#include "libskr/encoding/der.h"

#include <charconv>
#include <cstdio>

namespace skr::der {
namespace {

std::string TagHex(uint8_t tag) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02x", tag);
  return buf;
}

Error MalformedIn(std::string_view structure, size_t offset, std::string_view field,
                  std::string_view what) {
  return Malformed(std::string(structure) + ": field " + std::string(field) + " at " +
                   HexOffset(offset) + ": " + std::string(what));
}

void AppendLength(Bytes& out, size_t len) {
  if (len < 0x80) {
    out.push_back(static_cast<uint8_t>(len));
    return;
  }
  uint8_t tmp[sizeof(size_t)];
  size_t n = 0;
  for (size_t v = len; v != 0; v >>= 8) tmp[n++] = static_cast<uint8_t>(v & 0xFF);
  out.push_back(static_cast<uint8_t>(0x80 | n));
  while (n > 0) out.push_back(tmp[--n]);
}

Bytes UnsignedContent(uint64_t v) {
  Bytes be;
  for (int shift = 56; shift >= 0; shift -= 8) be.push_back(static_cast<uint8_t>(v >> shift));
  return be;
}

// Minimal non-negative two's complement content of a big-endian magnitude.
Bytes MagnitudeContent(ByteView mag) {
  size_t i = 0;
  while (i < mag.size() && mag[i] == 0) ++i;
  Bytes out;
  if (i == mag.size()) return Bytes{0x00};
  if (mag[i] & 0x80) out.push_back(0x00);
  out.insert(out.end(), mag.begin() + static_cast<std::ptrdiff_t>(i), mag.end());
  return out;
}

void AppendBase128(Bytes& out, uint64_t v) {
  uint8_t tmp[10];
  size_t n = 0;
  do {
    tmp[n++] = static_cast<uint8_t>(v & 0x7F);
    v >>= 7;
  } while (v != 0);
  while (n > 1) out.push_back(static_cast<uint8_t>(tmp[--n] | 0x80));
  out.push_back(tmp[0]);
}

}  // namespace

Bytes Tlv(uint8_t tag, ByteView content) {
  Bytes out;
  out.reserve(content.size() + 6);
  out.push_back(tag);
  AppendLength(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes Integer(uint64_t v) {
  Bytes be = UnsignedContent(v);
  return Tlv(kInteger, MagnitudeContent(be));
}
Bytes IntegerFromMagnitude(ByteView big_endian) {
  return Tlv(kInteger, MagnitudeContent(big_endian));
}
Bytes Enumerated(uint64_t v) { return Tlv(kEnumerated, MagnitudeContent(UnsignedContent(v))); }
Bytes OctetString(ByteView v) { return Tlv(kOctetString, v); }
Bytes Ia5String(std::string_view s) { return Tlv(kIa5String, AsBytes(s)); }
Bytes Utf8String(std::string_view s) { return Tlv(kUtf8String, AsBytes(s)); }
Bytes PrintableString(std::string_view s) { return Tlv(kPrintableString, AsBytes(s)); }
Bytes Boolean(bool v) { return Tlv(kBoolean, Bytes{static_cast<uint8_t>(v ? 0xFF : 0x00)}); }
Bytes Null() { return Tlv(kNull, {}); }
Bytes BitString(ByteView bytes) {
  Bytes content{0x00};
  content.insert(content.end(), bytes.begin(), bytes.end());
  return Tlv(kBitString, content);
}

Result<Bytes> Oid(std::string_view dotted) {
  std::vector<uint64_t> arcs;
  size_t start = 0;
  while (true) {
    size_t dot = dotted.find('.', start);
    std::string_view part =
        dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() ||
        (part.size() > 1 && part[0] == '0')) {
      return InvalidArgument("OID \"" + std::string(dotted) + "\": arc #" +
                             std::to_string(arcs.size() + 1) + " \"" + std::string(part) +
                             "\" is not a decimal number without leading zeros");
    }
    arcs.push_back(v);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (arcs.size() < 2) {
    return InvalidArgument("OID \"" + std::string(dotted) + "\": needs at least two arcs");
  }
  if (arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40) ||
      (arcs[0] == 2 && arcs[1] > UINT64_MAX - 80)) {
    return InvalidArgument("OID \"" + std::string(dotted) +
                           "\": first arc must be 0..2 and the second < 40 under 0 and 1");
  }
  Bytes content;
  AppendBase128(content, arcs[0] * 40 + arcs[1]);
  for (size_t i = 2; i < arcs.size(); ++i) AppendBase128(content, arcs[i]);
  return Tlv(kOid, content);
}

Bytes Sequence(std::span<const Bytes> elements) {
  Bytes content;
  for (const auto& e : elements) content.insert(content.end(), e.begin(), e.end());
  return Tlv(kSequence, content);
}
Bytes Set(std::span<const Bytes> elements) {
  Bytes content;
  for (const auto& e : elements) content.insert(content.end(), e.begin(), e.end());
  return Tlv(kSet, content);
}

// ---- Reader ----

Error Reader::MalformedAt(size_t absolute_offset, std::string_view field,
                          std::string_view what) const {
  return MalformedIn(structure_, absolute_offset, field, what);
}

Result<Element> Reader::Next(std::string_view field) {
  const size_t start = pos_;
  const size_t abs = base_ + start;
  if (start >= data_.size()) return MalformedAt(abs, field, "expected a TLV, found end of data");
  uint8_t tag = data_[start];
  if ((tag & 0x1F) == 0x1F) {
    return MalformedAt(abs, field, "high tag number form (" + TagHex(tag) + ") is not supported");
  }
  size_t p = start + 1;
  if (p >= data_.size()) return MalformedAt(abs, field, "truncated: no length octet after tag");
  uint8_t first = data_[p++];
  size_t len = 0;
  if (first < 0x80) {
    len = first;
  } else if (first == 0x80) {
    return MalformedAt(abs, field, "indefinite length is not allowed in DER");
  } else {
    size_t n = first & 0x7F;
    if (n > sizeof(size_t) - 1) {
      return MalformedAt(abs, field, "length of " + std::to_string(n) + " octets is too large");
    }
    if (data_.size() - p < n) {
      return MalformedAt(abs, field,
                         "truncated length: needs " + std::to_string(n) + " length octets, " +
                             std::to_string(data_.size() - p) + " left");
    }
    if (data_[p] == 0) return MalformedAt(abs, field, "non-minimal length (leading zero octet)");
    for (size_t i = 0; i < n; ++i) len = (len << 8) | data_[p + i];
    p += n;
    if (len < 0x80) {
      return MalformedAt(abs, field,
                         "non-minimal length: " + std::to_string(len) + " in long form");
    }
  }
  if (data_.size() - p < len) {
    return MalformedAt(abs, field,
                       "length " + std::to_string(len) + " runs past the end (" +
                           std::to_string(data_.size() - p) + " bytes left)");
  }
  pos_ = p + len;
  return Element{tag, data_.subspan(p, len), abs, base_ + p};
}

Result<Element> Reader::Peek(std::string_view field) const {
  Reader copy = *this;
  return copy.Next(field);
}

bool Reader::NextIs(uint8_t tag) const {
  auto e = Peek();
  return e.ok() && e->tag == tag;
}

Result<Element> Reader::Expect(uint8_t tag, std::string_view field) {
  const size_t save = pos_;
  SKR_ASSIGN_OR_RETURN(Element t, Next(field));
  if (t.tag != tag) {
    pos_ = save;
    return MalformedAt(t.offset, field, "expected tag " + TagHex(tag) + ", found " + TagHex(t.tag));
  }
  return t;
}

Result<Reader> Reader::Enter(uint8_t tag, std::string_view field) {
  SKR_ASSIGN_OR_RETURN(Element t, Expect(tag, field));
  return Reader(t.content, structure_ + "/" + std::string(field), t.content_offset);
}

Result<uint64_t> DecodeInteger(const Element& t, std::string_view structure,
                               std::string_view field) {
  ByteView c = t.content;
  if (c.empty()) return MalformedIn(structure, t.offset, field, "INTEGER with empty content");
  if (c.size() > 1 && ((c[0] == 0x00 && !(c[1] & 0x80)) || (c[0] == 0xFF && (c[1] & 0x80)))) {
    return MalformedIn(structure, t.offset, field, "non-minimal INTEGER encoding");
  }
  if (c[0] & 0x80) return MalformedIn(structure, t.offset, field, "negative INTEGER");
  size_t i = (c[0] == 0x00 && c.size() > 1) ? 1 : 0;
  if (c.size() - i > 8) {
    return MalformedIn(
        structure, t.offset, field,
        "INTEGER of " + std::to_string(c.size() - i) + " magnitude bytes does not fit in 64 bits");
  }
  uint64_t v = 0;
  for (; i < c.size(); ++i) v = (v << 8) | c[i];
  return v;
}

Result<std::string> DecodeOid(const Element& t, std::string_view structure,
                              std::string_view field) {
  ByteView c = t.content;
  if (c.empty()) return MalformedIn(structure, t.offset, field, "OBJECT IDENTIFIER is empty");
  std::string out;
  uint64_t v = 0;
  bool first = true;
  bool in_arc = false;
  for (size_t i = 0; i < c.size(); ++i) {
    if (!in_arc && c[i] == 0x80) {
      return MalformedIn(structure, t.offset, field,
                         "OBJECT IDENTIFIER arc has a non-minimal leading 0x80 at content byte " +
                             std::to_string(i));
    }
    if (v > (UINT64_MAX >> 7)) {
      return MalformedIn(structure, t.offset, field, "OBJECT IDENTIFIER arc exceeds 64 bits");
    }
    v = (v << 7) | (c[i] & 0x7F);
    in_arc = (c[i] & 0x80) != 0;
    if (in_arc) continue;
    if (first) {
      uint64_t a = v < 40 ? 0 : (v < 80 ? 1 : 2);
      out = std::to_string(a);
      out += '.';
      out += std::to_string(v - a * 40);
      first = false;
    } else {
      out += '.';
      out += std::to_string(v);
    }
    v = 0;
  }
  if (in_arc) {
    return MalformedIn(structure, t.offset, field,
                       "OBJECT IDENTIFIER ends inside an arc (last byte has the high bit set)");
  }
  return out;
}

Result<uint64_t> Reader::ReadInteger(std::string_view field) {
  SKR_ASSIGN_OR_RETURN(Element t, Expect(kInteger, field));
  return DecodeInteger(t, structure_, field);
}

Result<uint64_t> Reader::ReadEnumerated(std::string_view field) {
  SKR_ASSIGN_OR_RETURN(Element t, Expect(kEnumerated, field));
  return DecodeInteger(t, structure_, field);
}

Result<bool> DecodeBoolean(const Element& t, std::string_view structure, std::string_view field) {
  if (t.content.size() != 1 || (t.content[0] != 0x00 && t.content[0] != 0xFF)) {
    return MalformedIn(structure, t.offset, field, "BOOLEAN must be one byte 0x00 or 0xFF in DER");
  }
  return t.content[0] == 0xFF;
}

Reader ContentReader(const Element& t, std::string structure) {
  return Reader(t.content, std::move(structure), t.content_offset);
}

Result<bool> Reader::ReadBoolean(std::string_view field) {
  SKR_ASSIGN_OR_RETURN(Element t, Expect(kBoolean, field));
  return DecodeBoolean(t, structure_, field);
}

Result<ByteView> Reader::ReadOctetString(std::string_view field) {
  SKR_ASSIGN_OR_RETURN(Element t, Expect(kOctetString, field));
  return t.content;
}

Result<std::string> Reader::ReadIa5String(std::string_view field) {
  SKR_ASSIGN_OR_RETURN(Element t, Expect(kIa5String, field));
  for (uint8_t ch : t.content) {
    if (ch > 0x7F) return MalformedAt(t.offset, field, "IA5String has a non-ASCII byte");
  }
  return AsString(t.content);
}

Result<std::string> Reader::ReadOid(std::string_view field) {
  SKR_ASSIGN_OR_RETURN(Element t, Expect(kOid, field));
  return DecodeOid(t, structure_, field);
}

Result<void> Reader::ExpectDone(std::string_view what) const {
  if (done()) return Ok();
  return MalformedAt(offset(), what,
                     std::to_string(data_.size() - pos_) + " unexpected trailing bytes");
}

}  // namespace skr::der
