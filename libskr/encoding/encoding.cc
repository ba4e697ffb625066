#include "libskr/encoding/encoding.h"

#include <cctype>

#include <openssl/crypto.h>

#include <array>

namespace skr::encoding {
namespace {

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string HexWith(ByteView data, const char* digits) {
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Value of c in the alphabet, or -1.
int B64Value(char c, Base64Alphabet alphabet) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (alphabet == Base64Alphabet::kStandard) {
    if (c == '+') return 62;
    if (c == '/') return 63;
  } else {
    if (c == '-') return 62;
    if (c == '_') return 63;
  }
  return -1;
}

std::string Describe(char c) {
  if (c >= 0x21 && c < 0x7f) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02x", static_cast<unsigned char>(c));
  return buf;
}

// Decodes unpadded text (padding already stripped and validated by the caller).
Result<Bytes> DecodeUnpadded(std::string_view text, Base64Alphabet alphabet,
                             std::string_view name) {
  if (text.size() % 4 == 1) {
    return Malformed(std::string(name) + ": length " + std::to_string(text.size()) +
                     " is not a valid base64 length (a single trailing character)");
  }
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    int v = B64Value(text[i], alphabet);
    if (v < 0) {
      return Malformed(std::string(name) + ": invalid character " + Describe(text[i]) +
                       " at position " + std::to_string(i));
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero (canonical encoding), as RFC 4648 section 3.5 recommends checking.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return Malformed(std::string(name) + ": non-canonical encoding (non-zero trailing bits)");
  }
  return out;
}

}  // namespace

std::string HexEncode(ByteView data) { return HexWith(data, kHexLower); }
std::string HexEncodeUpper(ByteView data) { return HexWith(data, kHexUpper); }

Result<Bytes> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return Malformed("hex: odd length " + std::to_string(hex.size()));
  }
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      size_t bad = hi < 0 ? 2 * i : 2 * i + 1;
      return Malformed("hex: invalid character " + Describe(hex[bad]) + " at position " +
                       std::to_string(bad));
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string Base64EncodeWith(ByteView data, Base64Alphabet alphabet, Base64Padding padding) {
  const char* a = alphabet == Base64Alphabet::kStandard ? kStd : kUrl;
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = data[i] << 16 | data[i + 1] << 8 | data[i + 2];
    out += {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], a[v & 63]};
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = data[i] << 16;
    out += {a[v >> 18], a[(v >> 12) & 63]};
    if (padding == Base64Padding::kWith) out += "==";
  } else if (rest == 2) {
    uint32_t v = data[i] << 16 | data[i + 1] << 8;
    out += {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63]};
    if (padding == Base64Padding::kWith) out += "=";
  }
  return out;
}

std::string Base64Encode(ByteView data) {
  return Base64EncodeWith(data, Base64Alphabet::kStandard, Base64Padding::kWith);
}
std::string Base64UrlEncode(ByteView data) {
  return Base64EncodeWith(data, Base64Alphabet::kUrl, Base64Padding::kWithout);
}

Result<Bytes> Base64DecodeStrict(std::string_view text, Base64Alphabet alphabet,
                                 Base64Padding padding) {
  std::string_view name = alphabet == Base64Alphabet::kStandard ? "base64" : "base64url";
  if (padding == Base64Padding::kWith) {
    if (text.size() % 4 != 0) {
      return Malformed(std::string(name) + ": padded text length " + std::to_string(text.size()) +
                       " is not a multiple of 4");
    }
    size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    text.remove_suffix(pad);
  } else if (text.find('=') != std::string_view::npos) {
    return Malformed(std::string(name) + ": padding '=' not allowed here (unpadded form required)");
  }
  return DecodeUnpadded(text, alphabet, name);
}

Result<Bytes> Base64UrlDecode(std::string_view text) {
  return Base64DecodeStrict(text, Base64Alphabet::kUrl, Base64Padding::kWithout);
}

Result<Bytes> Base64DecodeAny(std::string_view text) {
  bool has_std = text.find_first_of("+/") != std::string_view::npos;
  bool has_url = text.find_first_of("-_") != std::string_view::npos;
  if (has_std && has_url) {
    return Malformed("base64: mixes the standard ('+', '/') and URL ('-', '_') alphabets");
  }
  Base64Alphabet alphabet = has_url ? Base64Alphabet::kUrl : Base64Alphabet::kStandard;
  size_t eq = text.find('=');
  if (eq != std::string_view::npos) {
    return Base64DecodeStrict(text, alphabet, Base64Padding::kWith);
  }
  return DecodeUnpadded(text, alphabet, alphabet == Base64Alphabet::kUrl ? "base64url" : "base64");
}

bool ConstantTimeEquals(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace skr::encoding
