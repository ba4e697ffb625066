#include "libskr/crypto/derive.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/objects.h>

#include "libskr/crypto/internal.h"
#include "libskr/crypto/openssl_util.h"

namespace skr::crypto {
namespace {

using EcGroupPtr = std::unique_ptr<EC_GROUP, OsslDeleter<EC_GROUP_free>>;

constexpr unsigned long kRsaE = 65537;

// A random integer of exactly `bits` bits from the DRBG, before masking and bit-setting.
BnPtr DrawBits(Drbg& drbg, int bits) {
  Bytes raw = drbg.Generate(static_cast<size_t>(bits + 7) / 8);
  BnPtr bn = BytesToBn(raw);
  OPENSSL_cleanse(raw.data(), raw.size());
  BN_mask_bits(bn.get(), bits);
  return bn;
}

// FIPS 186-4 B.3.3-style prime: top two bits set, odd, gcd(e, p-1) = 1, probable prime.
Result<BnPtr> DrawPrime(Drbg& drbg, int bits, BN_CTX* ctx) {
  // Bounded so a broken DRBG cannot loop forever; a 4096-bit prime needs ~700 tries on average.
  for (int attempt = 0; attempt < 100000; ++attempt) {
    BnPtr p = DrawBits(drbg, bits);
    BN_set_bit(p.get(), bits - 1);
    BN_set_bit(p.get(), bits - 2);
    BN_set_bit(p.get(), 0);
    // e is prime, so gcd(e, p-1) = 1 iff (p - 1) mod e != 0.
    BN_ULONG rem = BN_mod_word(p.get(), kRsaE);
    if (rem == static_cast<BN_ULONG>(-1)) return OpenSslError(ErrorCode::kInternal, "BN_mod_word");
    if (rem == 1) continue;
    int prime = BN_check_prime(p.get(), ctx, nullptr);
    if (prime < 0) return OpenSslError(ErrorCode::kInternal, "BN_check_prime");
    if (prime == 1) {
      BN_set_flags(p.get(), BN_FLG_CONSTTIME);
      return p;
    }
  }
  return Internal("deriving an RSA prime: no prime found in 100000 candidates");
}

}  // namespace

Result<PrivateKey> DeriveEcKey(Drbg& drbg, Curve curve) {
  EcGroupPtr group(EC_GROUP_new_by_curve_name(OBJ_sn2nid(EcGroupName(curve))));
  if (!group) return OpenSslError(ErrorCode::kInternal, "EC group");
  const BIGNUM* order = EC_GROUP_get0_order(group.get());
  BnPtr limit(BN_dup(order));  // order - 2
  if (!limit || BN_sub_word(limit.get(), 2) != 1) return OpenSslError(ErrorCode::kInternal, "BN");
  int bits = BN_num_bits(order);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    BnPtr c = DrawBits(drbg, bits);
    if (BN_cmp(c.get(), limit.get()) > 0) continue;
    if (BN_add_word(c.get(), 1) != 1) return OpenSslError(ErrorCode::kInternal, "BN");
    Bytes d = BnToBytes(c.get(), CurveFieldSize(curve));
    BN_clear(c.get());
    auto key = EcPrivateKeyFromScalar(curve, d);
    OPENSSL_cleanse(d.data(), d.size());
    return key;
  }
  return Internal("deriving an EC key: 1000 candidates out of range (broken DRBG?)");
}

Result<PrivateKey> DeriveRsaKey(Drbg& drbg, size_t bits) {
  if (bits < 2048 || bits > 8192) {
    return InvalidArgument("RSA key size " + std::to_string(bits) + " (expected 2048 to 8192)");
  }
  // An odd size gives p one bit more than q; the top-two-bits rule still fixes n's length.
  int p_bits = static_cast<int>((bits + 1) / 2), half = static_cast<int>(bits / 2);
  BnCtxPtr ctx(BN_CTX_new());
  BnPtr e(BN_new()), min_diff(BN_new()), diff(BN_new());
  if (!ctx || !e || !min_diff || !diff || BN_set_word(e.get(), kRsaE) != 1 ||
      BN_set_bit(min_diff.get(), half - 100) != 1) {
    return OpenSslError(ErrorCode::kInternal, "BN setup");
  }
  SKR_ASSIGN_OR_RETURN(BnPtr p, DrawPrime(drbg, p_bits, ctx.get()));
  BnPtr q;
  for (;;) {
    SKR_ASSIGN_OR_RETURN(q, DrawPrime(drbg, half, ctx.get()));
    if (BN_sub(diff.get(), p.get(), q.get()) != 1) return OpenSslError(ErrorCode::kInternal, "BN");
    BN_set_negative(diff.get(), 0);
    if (BN_cmp(diff.get(), min_diff.get()) > 0) break;  // also rules out p == q
  }
  if (BN_cmp(p.get(), q.get()) < 0) std::swap(p, q);  // conventional p > q

  BnPtr n(BN_new()), p1(BN_dup(p.get())), q1(BN_dup(q.get())), phi(BN_new()), g(BN_new()),
      lambda(BN_new()), d(BN_secure_new()), dp(BN_secure_new()), dq(BN_secure_new()),
      qi(BN_secure_new());
  if (!n || !p1 || !q1 || !phi || !g || !lambda || !d || !dp || !dq || !qi ||
      BN_mul(n.get(), p.get(), q.get(), ctx.get()) != 1 || BN_sub_word(p1.get(), 1) != 1 ||
      BN_sub_word(q1.get(), 1) != 1 || BN_mul(phi.get(), p1.get(), q1.get(), ctx.get()) != 1 ||
      BN_gcd(g.get(), p1.get(), q1.get(), ctx.get()) != 1 ||
      BN_div(lambda.get(), nullptr, phi.get(), g.get(), ctx.get()) != 1 ||
      BN_mod_inverse(d.get(), e.get(), lambda.get(), ctx.get()) == nullptr ||
      BN_mod(dp.get(), d.get(), p1.get(), ctx.get()) != 1 ||
      BN_mod(dq.get(), d.get(), q1.get(), ctx.get()) != 1 ||
      BN_mod_inverse(qi.get(), q.get(), p.get(), ctx.get()) == nullptr) {
    return OpenSslError(ErrorCode::kInternal, "computing RSA private components");
  }
  if (static_cast<size_t>(BN_num_bits(n.get())) != bits) {
    return Internal("derived RSA modulus has " + std::to_string(BN_num_bits(n.get())) + " bits");
  }
  RsaPrivateComponents c{BnToBytes(n.get()),  BnToBytes(e.get()), BnToBytes(d.get()),
                         BnToBytes(p.get()),  BnToBytes(q.get()), BnToBytes(dp.get()),
                         BnToBytes(dq.get()), BnToBytes(qi.get())};
  auto key = RsaPrivateKeyFromComponents(c);
  for (Bytes* b : {&c.d, &c.p, &c.q, &c.dp, &c.dq, &c.qi}) OPENSSL_cleanse(b->data(), b->size());
  BN_clear(p.get());
  BN_clear(q.get());
  return key;
}

}  // namespace skr::crypto
