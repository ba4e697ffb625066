// Hex, base64 and base64url, and constant-time comparison.
// Real clients mix alphabets and padding per field (skr-protocol.md section 6.1), so the lenient
// decoder accepts standard and URL alphabets with or without padding; the strict ones accept
// exactly one form.
#ifndef SKR_ENCODING_ENCODING_H_
#define SKR_ENCODING_ENCODING_H_

#include <string>
#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"

namespace skr::encoding {

std::string HexEncode(ByteView data);  // lower case, as MAA claims are
std::string HexEncodeUpper(
    ByteView data);  // upper case, as HCL user-data and KV kid thumbprints are
Result<Bytes> HexDecode(std::string_view hex);  // either case; even length; no separators

enum class Base64Alphabet { kStandard, kUrl };
enum class Base64Padding { kWith, kWithout };

std::string Base64Encode(ByteView data);     // standard alphabet, padded (x5c, MAA kid, TpmInfo.*)
std::string Base64UrlEncode(ByteView data);  // URL alphabet, unpadded (JWS segments, key_hsm)
std::string Base64EncodeWith(ByteView data, Base64Alphabet alphabet, Base64Padding padding);

// Strict decoders: only the named alphabet; padding must be present (kWith) or absent (kWithout).
Result<Bytes> Base64DecodeStrict(std::string_view text, Base64Alphabet alphabet,
                                 Base64Padding padding);
// Base64url without padding, the JOSE form (RFC 7515 section 2): the one JWS/JWK parsers use.
Result<Bytes> Base64UrlDecode(std::string_view text);
// Lenient: standard or URL alphabet (not mixed), padding optional but correct if present; no
// whitespace.
Result<Bytes> Base64DecodeAny(std::string_view text);

// RFC 3986 percent-encoding of everything but the unreserved characters (A-Z a-z 0-9 - . _ ~),
// for query parameter values such as resource=https%3A%2F%2Fvault.azure.net.
std::string PercentEncode(std::string_view text);

// Compares two secrets in time independent of where they differ (sizes are not secret).
bool ConstantTimeEquals(ByteView a, ByteView b);

}  // namespace skr::encoding

#endif  // SKR_ENCODING_ENCODING_H_
