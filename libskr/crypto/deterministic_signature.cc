#include "libskr/crypto/deterministic_signature.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <optional>

#include "libskr/crypto/drbg.h"
#include "libskr/crypto/internal.h"
#include "libskr/crypto/openssl_util.h"
#include "libskr/crypto/signature.h"

namespace skr::crypto {
namespace {

using EcGroupPtr = std::unique_ptr<EC_GROUP, OsslDeleter<EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, OsslDeleter<EC_POINT_free>>;

// RFC 6979 2.3.2 bits2int: the leftmost qlen bits of `b` as an integer.
BnPtr Bits2Int(ByteView b, int qlen) {
  BnPtr x = BytesToBn(b);
  int blen = static_cast<int>(b.size() * 8);
  if (blen > qlen) BN_rshift(x.get(), x.get(), blen - qlen);
  return x;
}

// Everything the ECDSA computation needs about the key, and the RFC 6979 generator for
// (x, h1), set up per section 3.2 steps a-g.
struct EcdsaContext {
  Curve curve;
  EcGroupPtr group;
  const BIGNUM* order = nullptr;
  int qlen = 0;
  size_t rlen = 0;
  BnPtr d;
  BnPtr e;  // bits2int(h1) mod n, the ECDSA message representative
  std::optional<Drbg> nonces;
  BnCtxPtr ctx;

  // Section 3.2 step h: the next candidate k in [1, n-1].
  BnPtr NextK() {
    for (;;) {
      Bytes t = nonces->Generate(rlen);
      BnPtr k = Bits2Int(t, qlen);
      OPENSSL_cleanse(t.data(), t.size());
      if (!BN_is_zero(k.get()) && BN_cmp(k.get(), order) < 0) return k;
    }
  }
};

Result<EcdsaContext> MakeContext(const PrivateKey& key, HashAlg hash, ByteView msg) {
  if (key.type() != KeyType::kEc) return InvalidArgument("deterministic ECDSA needs an EC key");
  EcdsaContext c;
  SKR_ASSIGN_OR_RETURN(c.curve, EcCurveOf(key.evp()));
  c.group.reset(EC_GROUP_new_by_curve_name(OBJ_sn2nid(EcGroupName(c.curve))));
  c.ctx.reset(BN_CTX_new());
  if (!c.group || !c.ctx) return OpenSslError(ErrorCode::kInternal, "EC group");
  c.order = EC_GROUP_get0_order(c.group.get());
  c.qlen = BN_num_bits(c.order);
  c.rlen = static_cast<size_t>(c.qlen + 7) / 8;
  SKR_ASSIGN_OR_RETURN(Bytes x, EcPrivateScalarOf(key));
  c.d = BytesToBn(x);
  BN_set_flags(c.d.get(), BN_FLG_CONSTTIME);
  // RFC 6979 3.2 step a and 2.3.4 bits2octets: h1 reduced mod q (one subtraction suffices).
  Bytes h1 = Digest(hash, msg);
  c.e = Bits2Int(h1, c.qlen);
  if (BN_cmp(c.e.get(), c.order) >= 0) BN_sub(c.e.get(), c.e.get(), c.order);
  Bytes x_octets = BnToBytes(c.d.get(), c.rlen);  // int2octets(x)
  Bytes h_octets = BnToBytes(c.e.get(), c.rlen);  // bits2octets(h1)
  // Steps b-g are HMAC_DRBG instantiate with entropy x, nonce h1 and HMAC over `hash`; step h
  // (and its retry h.3) is HMAC_DRBG generate.
  c.nonces.emplace(hash, x_octets, h_octets, ByteView());
  OPENSSL_cleanse(x.data(), x.size());
  OPENSSL_cleanse(x_octets.data(), x_octets.size());
  return c;
}

Result<Bytes> SignP1363(const PrivateKey& key, HashAlg hash, ByteView msg) {
  SKR_ASSIGN_OR_RETURN(EcdsaContext c, MakeContext(key, hash, msg));
  BnPtr r(BN_new()), s(BN_new()), kinv(BN_secure_new()), n_minus_2(BN_dup(c.order));
  EcPointPtr point(EC_POINT_new(c.group.get()));
  if (!r || !s || !kinv || !n_minus_2 || !point || BN_sub_word(n_minus_2.get(), 2) != 1) {
    return OpenSslError(ErrorCode::kInternal, "ECDSA setup");
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    BnPtr k = c.NextK();
    BN_set_flags(k.get(), BN_FLG_CONSTTIME);
    // r = x(kG) mod n; k^-1 by Fermat (n is prime) in constant time; s = k^-1 (e + r d) mod n.
    if (EC_POINT_mul(c.group.get(), point.get(), k.get(), nullptr, nullptr, c.ctx.get()) != 1 ||
        EC_POINT_get_affine_coordinates(c.group.get(), point.get(), r.get(), nullptr,
                                        c.ctx.get()) != 1 ||
        BN_nnmod(r.get(), r.get(), c.order, c.ctx.get()) != 1 ||
        BN_mod_exp_mont_consttime(kinv.get(), k.get(), n_minus_2.get(), c.order, c.ctx.get(),
                                  nullptr) != 1 ||
        BN_mod_mul(s.get(), r.get(), c.d.get(), c.order, c.ctx.get()) != 1 ||
        BN_mod_add(s.get(), s.get(), c.e.get(), c.order, c.ctx.get()) != 1 ||
        BN_mod_mul(s.get(), s.get(), kinv.get(), c.order, c.ctx.get()) != 1) {
      return OpenSslError(ErrorCode::kInternal, "ECDSA signing arithmetic");
    }
    BN_clear(k.get());
    if (BN_is_zero(r.get()) || BN_is_zero(s.get())) continue;  // RFC 6979 3.4: next k
    size_t fs = CurveFieldSize(c.curve);
    Bytes rs = Concat(BnToBytes(r.get(), fs), BnToBytes(s.get(), fs));
    // A fault or arithmetic slip must not leave the library: check before returning.
    auto ok = VerifyEcdsaP1363(key.public_key(), hash, msg, rs);
    if (!ok.ok())
      return Internal("deterministic ECDSA signature does not verify: " + ok.error().message());
    return rs;
  }
  return Internal("deterministic ECDSA: 100 nonces gave r or s = 0");
}

// RFC 8017 B.2.1 MGF1.
Bytes Mgf1(HashAlg hash, ByteView seed, size_t len) {
  Bytes out;
  for (uint32_t counter = 0; out.size() < len; ++counter) {
    Bytes block(seed.begin(), seed.end());
    for (int shift = 24; shift >= 0; shift -= 8) block.push_back(uint8_t(counter >> shift));
    Bytes h = Digest(hash, block);
    out.insert(out.end(), h.begin(), h.end());
  }
  out.resize(len);
  return out;
}

}  // namespace

Result<Bytes> Rfc6979Nonce(const PrivateKey& key, HashAlg hash, ByteView msg) {
  SKR_ASSIGN_OR_RETURN(EcdsaContext c, MakeContext(key, hash, msg));
  BnPtr k = c.NextK();
  return BnToBytes(k.get(), c.rlen);
}

Result<Bytes> SignEcdsaP1363Deterministic(const PrivateKey& key, HashAlg hash, ByteView msg) {
  return SignP1363(key, hash, msg);
}

Result<Bytes> SignEcdsaDerDeterministic(const PrivateKey& key, HashAlg hash, ByteView msg) {
  SKR_ASSIGN_OR_RETURN(Bytes rs, SignP1363(key, hash, msg));
  return EcdsaP1363ToDer(rs);
}

Result<Bytes> SignRsaPssWithSalt(const PrivateKey& key, HashAlg hash, HashAlg mgf1_hash,
                                 ByteView salt, ByteView msg) {
  if (key.type() != KeyType::kRsa) return InvalidArgument("RSASSA-PSS needs an RSA key");
  // RFC 8017 9.1.1 EMSA-PSS-ENCODE with emBits = modBits - 1.
  size_t mod_bits = key.bits();
  size_t k = (mod_bits + 7) / 8;
  size_t em_bits = mod_bits - 1;
  size_t em_len = (em_bits + 7) / 8;
  size_t h_len = HashSize(hash);
  if (em_len < h_len + salt.size() + 2) {
    return InvalidArgument("RSASSA-PSS: a " + std::to_string(salt.size()) + "-byte salt with " +
                           std::string(HashAlgName(hash)) + " does not fit a " +
                           std::to_string(mod_bits) + "-bit key");
  }
  Bytes m_hash = Digest(hash, msg);
  Bytes m_prime(8, 0x00);  // M' = (0x)00 00 00 00 00 00 00 00 || mHash || salt
  m_prime.insert(m_prime.end(), m_hash.begin(), m_hash.end());
  m_prime.insert(m_prime.end(), salt.begin(), salt.end());
  Bytes h = Digest(hash, m_prime);
  size_t db_len = em_len - h_len - 1;
  Bytes db(db_len - salt.size() - 1, 0x00);  // PS || 0x01 || salt
  db.push_back(0x01);
  db.insert(db.end(), salt.begin(), salt.end());
  Bytes mask = Mgf1(mgf1_hash, h, db_len);
  for (size_t i = 0; i < db_len; ++i) db[i] ^= mask[i];
  db[0] &= static_cast<uint8_t>(0xff >> (8 * em_len - em_bits));
  // EM, left-padded to the modulus size for the raw RSA operation (RFC 8017 8.1.1 step 2a).
  Bytes em(k - em_len, 0x00);
  em.insert(em.end(), db.begin(), db.end());
  em.insert(em.end(), h.begin(), h.end());
  em.push_back(0xbc);

  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.evp(), nullptr));
  size_t sig_len = k;
  Bytes sig(k);
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1 ||
      EVP_PKEY_sign(ctx.get(), sig.data(), &sig_len, em.data(), em.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "RSASSA-PSS: raw RSA private operation");
  }
  sig.resize(sig_len);
  auto ok =
      VerifyRsaPss(key.public_key(), hash, mgf1_hash, static_cast<int>(salt.size()), msg, sig);
  if (!ok.ok()) {
    return Internal("RSASSA-PSS signature with fixed salt does not verify: " +
                    ok.error().message());
  }
  return sig;
}

}  // namespace skr::crypto
