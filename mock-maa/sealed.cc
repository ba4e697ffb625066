// The sealed AzureGuest response, in the one format libskr/maa/requests.h defines for both sides.
#include "libskr/crypto/rsa_encrypt.h"
#include "libskr/maa/requests.h"
#include "mock-maa/evidence.h"

namespace skr::mock_maa {

Result<std::string> SealToken(std::string_view jwt, const crypto::PublicKey& encryption_key,
                              crypto::Drbg& drbg) {
  Bytes key = drbg.Generate(32);
  Bytes iv = drbg.Generate(12);
  SKR_ASSIGN_OR_RETURN(maa::SealedToken sealed, maa::SealJwt(jwt, encryption_key, key, iv));
  return maa::EncodeSealedToken(sealed);
}

Result<std::string> UnsealToken(std::string_view sealed, const crypto::PrivateKey& decryption_key) {
  SKR_ASSIGN_OR_RETURN(maa::SealedToken parsed, maa::ParseSealedToken(sealed));
  return maa::OpenSealedJwt(
      parsed, [&](ByteView inner) { return crypto::RsaPkcs1Decrypt(decryption_key, inner); });
}

}  // namespace skr::mock_maa
