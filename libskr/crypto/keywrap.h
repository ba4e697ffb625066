// AES key wrap with padding (RFC 5649), the wrapping Key Vault uses inside key_hsm
// (CKM_RSA_AES_KEY_WRAP, skr-protocol.md 4.4).
#ifndef SKR_CRYPTO_KEYWRAP_H_
#define SKR_CRYPTO_KEYWRAP_H_

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"

namespace skr::crypto {

// Wraps `key_data` (1 or more bytes) under a 16-, 24- or 32-byte KEK. The output is
// 8 * ceil(len / 8) + 8 bytes. InvalidArgument for a bad KEK size or empty key data.
Result<Bytes> AesKeyWrapPad(ByteView kek, ByteView key_data);

// Unwraps an RFC 5649 blob. Malformed if its length is not a multiple of 8 of at least 16
// bytes; VerificationFailed if the integrity check (AIV, MLI, padding) fails.
Result<Bytes> AesKeyUnwrapPad(ByteView kek, ByteView wrapped);

}  // namespace skr::crypto

#endif  // SKR_CRYPTO_KEYWRAP_H_
