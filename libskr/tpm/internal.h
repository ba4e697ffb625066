// Helpers shared by the TPM structure parsers (attest.cc, public.cc); not part of the public API.
#ifndef SKR_TPM_INTERNAL_H_
#define SKR_TPM_INTERNAL_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"

namespace skr::tpm::internal {

// "0x0023", as TPM algorithm and structure tags are printed in messages.
inline std::string Hex16(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%04x", v);
  return buf;
}

// A TPM2B_* whose size must not exceed `max` (the buffer size of the TPM 2.0 structure).
inline Result<ByteView> TakeBounded2B(ByteReader& r, std::string_view field, size_t max) {
  size_t at = r.position();
  SKR_ASSIGN_OR_RETURN(ByteView b, r.TakeSized16Be(field));
  if (b.size() > max) {
    return r.MalformedAt(
        at, field,
        "size " + std::to_string(b.size()) + " exceeds the maximum " + std::to_string(max));
  }
  return b;
}

}  // namespace skr::tpm::internal

#endif  // SKR_TPM_INTERNAL_H_
