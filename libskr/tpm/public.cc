#include "libskr/tpm/public.h"

#include <cstdio>

#include "libskr/tpm/internal.h"

namespace skr::tpm {
namespace {

using internal::Hex16;
using internal::TakeBounded2B;

constexpr uint16_t kAlgKeyedHash = 0x0008;
constexpr uint16_t kAlgSymCipher = 0x0025;
constexpr uint16_t kAlgEcdaa = 0x001A;
constexpr uint32_t kDefaultRsaExponent = 65537;
// Largest TPM2B sizes this parser accepts (tpm2-tss sizes: TPMU_HA, MAX_RSA_KEY_BYTES,
// MAX_ECC_KEY_BYTES).
constexpr size_t kMaxDigest = 64;
constexpr size_t kMaxRsaBytes = 512;
constexpr size_t kMaxEccBytes = 128;

Result<TpmScheme> TakeScheme(ByteReader& r, std::string_view field) {
  TpmScheme s;
  SKR_ASSIGN_OR_RETURN(s.scheme, r.TakeU16Be(std::string(field) + ".scheme"));
  if (s.scheme == kAlgNull) return s;
  // Every signing, encryption and KDF scheme carries a hashAlg, except RSAES (empty details).
  if (s.scheme == kAlgRsaes) return s;
  SKR_ASSIGN_OR_RETURN(s.hash_alg, r.TakeU16Be(std::string(field) + ".details.hashAlg"));
  if (s.scheme == kAlgEcdaa) {
    SKR_ASSIGN_OR_RETURN(s.count, r.TakeU16Be(std::string(field) + ".details.count"));
  }
  return s;
}

void PutScheme(ByteWriter& w, const TpmScheme& s) {
  w.AppendU16Be(s.scheme);
  if (s.scheme == kAlgNull || s.scheme == kAlgRsaes) return;
  w.AppendU16Be(s.hash_alg);
  if (s.scheme == kAlgEcdaa) w.AppendU16Be(s.count);
}

Result<crypto::Curve> CurveFromTpm(uint16_t c) {
  switch (c) {
    case kEccNistP256:
      return crypto::Curve::kP256;
    case kEccNistP384:
      return crypto::Curve::kP384;
    case kEccNistP521:
      return crypto::Curve::kP521;
  }
  return Unsupported("TPM ECC curve " + Hex16(c) + " (supported: NIST P-256/384/521)");
}

uint16_t TpmCurveOf(crypto::Curve c) {
  switch (c) {
    case crypto::Curve::kP256:
      return kEccNistP256;
    case crypto::Curve::kP384:
      return kEccNistP384;
    case crypto::Curve::kP521:
      return kEccNistP521;
  }
  return 0;
}

Bytes U32Be(uint32_t v) {
  ByteWriter w;
  w.AppendU32Be(v);
  return std::move(w).Take();
}

}  // namespace

Result<crypto::HashAlg> HashAlgFromTpm(uint16_t a) {
  switch (a) {
    case kAlgSha1:
      return crypto::HashAlg::kSha1;
    case kAlgSha256:
      return crypto::HashAlg::kSha256;
    case kAlgSha384:
      return crypto::HashAlg::kSha384;
    case kAlgSha512:
      return crypto::HashAlg::kSha512;
  }
  return Unsupported("TPM hash algorithm " + Hex16(a) +
                     " (supported: SHA-1 0x0004, SHA-256 0x000b, SHA-384 0x000c, SHA-512 0x000d)");
}

uint16_t TpmAlgOf(crypto::HashAlg alg) {
  switch (alg) {
    case crypto::HashAlg::kSha1:
      return kAlgSha1;
    case crypto::HashAlg::kSha256:
      return kAlgSha256;
    case crypto::HashAlg::kSha384:
      return kAlgSha384;
    case crypto::HashAlg::kSha512:
      return kAlgSha512;
  }
  return kAlgNull;
}

Result<TpmPublic> ParsePublic(ByteView data) {
  ByteReader r(data, "TPMT_PUBLIC");
  TpmPublic p;
  size_t type_at = r.position();
  SKR_ASSIGN_OR_RETURN(p.type, r.TakeU16Be("type"));
  if (p.type == kAlgKeyedHash || p.type == kAlgSymCipher) {
    return Unsupported("TPMT_PUBLIC: type " + Hex16(p.type) +
                       " (keyedHash/symCipher) is not an asymmetric key");
  }
  if (p.type != kAlgRsa && p.type != kAlgEcc) {
    return r.MalformedAt(
        type_at, "type",
        "unknown object type " + Hex16(p.type) + " (expected RSA 0x0001 or ECC 0x0023)");
  }
  SKR_ASSIGN_OR_RETURN(p.name_alg, r.TakeU16Be("nameAlg"));
  SKR_ASSIGN_OR_RETURN(p.object_attributes, r.TakeU32Be("objectAttributes"));
  SKR_ASSIGN_OR_RETURN(ByteView policy, TakeBounded2B(r, "authPolicy", kMaxDigest));
  p.auth_policy = ToBytes(policy);
  SKR_ASSIGN_OR_RETURN(p.symmetric.algorithm, r.TakeU16Be("parameters.symmetric.algorithm"));
  if (p.symmetric.algorithm != kAlgNull) {
    SKR_ASSIGN_OR_RETURN(p.symmetric.key_bits, r.TakeU16Be("parameters.symmetric.keyBits"));
    SKR_ASSIGN_OR_RETURN(p.symmetric.mode, r.TakeU16Be("parameters.symmetric.mode"));
  }
  SKR_ASSIGN_OR_RETURN(p.scheme, TakeScheme(r, "parameters.scheme"));
  if (p.type == kAlgRsa) {
    SKR_ASSIGN_OR_RETURN(p.rsa_key_bits, r.TakeU16Be("parameters.keyBits"));
    SKR_ASSIGN_OR_RETURN(p.rsa_exponent, r.TakeU32Be("parameters.exponent"));
    size_t at = r.position();
    SKR_ASSIGN_OR_RETURN(ByteView n, TakeBounded2B(r, "unique.rsa", kMaxRsaBytes));
    // Empty in a creation template (TPM2_CreatePrimary inPublic); otherwise the full modulus.
    if (!n.empty() && n.size() * 8 != p.rsa_key_bits) {
      return r.MalformedAt(at, "unique.rsa",
                           "modulus of " + std::to_string(n.size()) +
                               " bytes does not match "
                               "keyBits " +
                               std::to_string(p.rsa_key_bits));
    }
    p.unique_rsa = ToBytes(n);
  } else {
    SKR_ASSIGN_OR_RETURN(p.ecc_curve, r.TakeU16Be("parameters.curveID"));
    SKR_ASSIGN_OR_RETURN(p.ecc_kdf, TakeScheme(r, "parameters.kdf"));
    SKR_ASSIGN_OR_RETURN(ByteView x, TakeBounded2B(r, "unique.ecc.x", kMaxEccBytes));
    SKR_ASSIGN_OR_RETURN(ByteView y, TakeBounded2B(r, "unique.ecc.y", kMaxEccBytes));
    p.unique_x = ToBytes(x);
    p.unique_y = ToBytes(y);
  }
  if (r.remaining() != 0) {
    return r.MalformedAt(r.position(), "end",
                         std::to_string(r.remaining()) + " trailing bytes after TPMT_PUBLIC");
  }
  return p;
}

Result<TpmPublic> ParsePublic2B(ByteView data) {
  ByteReader r(data, "TPM2B_PUBLIC");
  SKR_ASSIGN_OR_RETURN(ByteView inner, r.TakeSized16Be("publicArea"));
  if (r.remaining() != 0) {
    return r.MalformedAt(r.position(), "end",
                         std::to_string(r.remaining()) + " trailing bytes after publicArea");
  }
  auto p = ParsePublic(inner);
  if (!p.ok()) return p.error().WithContext("TPM2B_PUBLIC.publicArea at 0x2");
  return p;
}

Bytes TpmPublic::Serialize() const {
  ByteWriter w;
  w.AppendU16Be(type);
  w.AppendU16Be(name_alg);
  w.AppendU32Be(object_attributes);
  w.AppendSized16Be(auth_policy);
  w.AppendU16Be(symmetric.algorithm);
  if (symmetric.algorithm != kAlgNull) {
    w.AppendU16Be(symmetric.key_bits);
    w.AppendU16Be(symmetric.mode);
  }
  PutScheme(w, scheme);
  if (type == kAlgRsa) {
    w.AppendU16Be(rsa_key_bits);
    w.AppendU32Be(rsa_exponent);
    w.AppendSized16Be(unique_rsa);
  } else {
    w.AppendU16Be(ecc_curve);
    PutScheme(w, ecc_kdf);
    w.AppendSized16Be(unique_x);
    w.AppendSized16Be(unique_y);
  }
  return std::move(w).Take();
}

Bytes TpmPublic::Serialize2B() const {
  ByteWriter w;
  w.AppendSized16Be(Serialize());
  return std::move(w).Take();
}

Result<Bytes> TpmPublic::Name() const {
  SKR_ASSIGN_OR_RETURN(crypto::HashAlg h, HashAlgFromTpm(name_alg));
  ByteWriter w;
  w.AppendU16Be(name_alg);
  w.Append(crypto::Digest(h, Serialize()));
  return std::move(w).Take();
}

Result<crypto::PublicKey> TpmPublic::ToPublicKey() const {
  if (type == kAlgRsa) {
    if (unique_rsa.empty()) {
      return InvalidArgument("TPMT_PUBLIC: RSA unique (modulus) is empty, as in a template");
    }
    Bytes e = U32Be(rsa_exponent == 0 ? kDefaultRsaExponent : rsa_exponent);
    auto k = crypto::RsaPublicKeyFromComponents(unique_rsa, e);
    if (!k.ok()) return k.error().WithContext("TPMT_PUBLIC RSA key");
    return k;
  }
  if (type == kAlgEcc) {
    SKR_ASSIGN_OR_RETURN(crypto::Curve c, CurveFromTpm(ecc_curve));
    auto k = crypto::EcPublicKeyFromComponents(c, unique_x, unique_y);
    if (!k.ok()) return k.error().WithContext("TPMT_PUBLIC ECC point");
    return k;
  }
  return Unsupported("TPMT_PUBLIC type " + Hex16(type) + " has no public key");
}

Result<jose::Jwk> TpmPublic::ToJwk() const {
  SKR_ASSIGN_OR_RETURN(crypto::PublicKey k, ToPublicKey());
  return jose::Jwk::FromPublicKey(k);
}

Bytes HierarchyQualifiedName(uint32_t hierarchy) { return U32Be(hierarchy); }

Result<Bytes> QualifiedName(uint16_t name_alg, ByteView parent_qualified_name, ByteView name) {
  SKR_ASSIGN_OR_RETURN(crypto::HashAlg h, HashAlgFromTpm(name_alg));
  ByteWriter w;
  w.AppendU16Be(name_alg);
  w.Append(crypto::Digest(h, Concat(parent_qualified_name, name)));
  return std::move(w).Take();
}

Result<TpmPublic> PublicFromKey(const crypto::PublicKey& key, const TpmPublic& tmpl) {
  TpmPublic p = tmpl;
  if (key.type() == crypto::KeyType::kRsa) {
    SKR_ASSIGN_OR_RETURN(crypto::RsaPublicComponents c, key.Rsa());
    uint32_t e = 0;
    if (c.e.size() > 4) return InvalidArgument("TPM public: RSA exponent longer than 32 bits");
    for (uint8_t b : c.e) e = (e << 8) | b;
    p.type = kAlgRsa;
    p.rsa_key_bits = static_cast<uint16_t>(c.n.size() * 8);
    p.rsa_exponent = e == kDefaultRsaExponent ? 0 : e;  // TPMs report the default as 0
    p.unique_rsa = c.n;
    p.ecc_curve = 0;
    p.ecc_kdf = {};
    p.unique_x.clear();
    p.unique_y.clear();
    return p;
  }
  SKR_ASSIGN_OR_RETURN(crypto::EcPublicComponents c, key.Ec());
  p.type = kAlgEcc;
  p.ecc_curve = TpmCurveOf(c.curve);
  p.unique_x = c.x;
  p.unique_y = c.y;
  p.rsa_key_bits = 0;
  p.rsa_exponent = 0;
  p.unique_rsa.clear();
  return p;
}

}  // namespace skr::tpm
