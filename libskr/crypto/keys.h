// Public and private keys (RSA and EC P-256/P-384/P-521) as small value types over OpenSSL
// EVP_PKEY.
#ifndef SKR_CRYPTO_KEYS_H_
#define SKR_CRYPTO_KEYS_H_

#include <memory>
#include <string>
#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace skr::crypto {

enum class KeyType { kRsa, kEc };
enum class Curve { kP256, kP384, kP521 };

std::string_view CurveName(Curve c);  // JOSE names: "P-256", "P-384", "P-521"
size_t CurveFieldSize(Curve c);       // 32, 48, 66 bytes
Result<Curve> CurveFromName(std::string_view jose_name);

struct RsaPublicComponents {
  Bytes n;  // big-endian, no leading zeros
  Bytes e;
};
struct EcPublicComponents {
  Curve curve;
  Bytes x;  // big-endian, padded to the field size
  Bytes y;
};

class PublicKey {
 public:
  // Takes a reference on `pkey`.
  static PublicKey FromEvp(EVP_PKEY* pkey);

  KeyType type() const;
  size_t bits() const;
  EVP_PKEY* evp() const { return pkey_.get(); }

  Result<RsaPublicComponents> Rsa() const;
  Result<EcPublicComponents> Ec() const;

  Bytes ToSpkiDer() const;    // SubjectPublicKeyInfo
  std::string ToPem() const;  // "-----BEGIN PUBLIC KEY-----"
  bool Equals(const PublicKey& other) const;

 private:
  friend class PrivateKey;
  explicit PublicKey(std::shared_ptr<EVP_PKEY> p) : pkey_(std::move(p)) {}
  std::shared_ptr<EVP_PKEY> pkey_;
};

class PrivateKey {
 public:
  static PrivateKey FromEvp(EVP_PKEY* pkey);  // takes a reference

  KeyType type() const;
  size_t bits() const;
  EVP_PKEY* evp() const { return pkey_.get(); }
  PublicKey public_key() const;

  Bytes ToPkcs8Der() const;   // the form Key Vault wraps in key_hsm (skr-protocol.md 4.4)
  std::string ToPem() const;  // PKCS#8 "-----BEGIN PRIVATE KEY-----"

 private:
  explicit PrivateKey(std::shared_ptr<EVP_PKEY> p) : pkey_(std::move(p)) {}
  std::shared_ptr<EVP_PKEY> pkey_;
};

Result<PublicKey> PublicKeyFromPem(std::string_view pem);
Result<PublicKey> PublicKeyFromSpkiDer(ByteView der);
Result<PublicKey> RsaPublicKeyFromComponents(ByteView n, ByteView e);
// x and y big-endian; shorter inputs are accepted and left-padded, longer ones rejected.
Result<PublicKey> EcPublicKeyFromComponents(Curve curve, ByteView x, ByteView y);

Result<PrivateKey> PrivateKeyFromPem(std::string_view pem);
Result<PrivateKey> PrivateKeyFromPkcs8Der(ByteView der);
// RSA private key from its CRT components (big-endian), as in a JWK.
struct RsaPrivateComponents {
  Bytes n, e, d, p, q, dp, dq, qi;
};
Result<PrivateKey> RsaPrivateKeyFromComponents(const RsaPrivateComponents& c);
Result<RsaPrivateComponents> RsaPrivateComponentsOf(const PrivateKey& key);
Result<PrivateKey> EcPrivateKeyFromScalar(Curve curve, ByteView d);
Result<Bytes> EcPrivateScalarOf(const PrivateKey& key);  // padded to the field size

Result<PrivateKey> GenerateRsaKey(size_t bits);
Result<PrivateKey> GenerateEcKey(Curve curve);

}  // namespace skr::crypto

#endif  // SKR_CRYPTO_KEYS_H_
