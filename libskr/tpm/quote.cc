#include "libskr/tpm/quote.h"

#include <cstdio>

#include "libskr/encoding/encoding.h"
#include "libskr/tpm/public.h"

namespace skr::tpm {
namespace {

std::string PcrName(const PcrId& id) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%04x", id.bank);
  return "PCR " + std::to_string(id.index) + " (bank " + buf + ")";
}

}  // namespace

Result<Attest> VerifyQuote(ByteView attest_bytes, const Signature& signature,
                           const crypto::PublicKey& ak_public, ByteView expected_nonce,
                           const PcrValues& pcr_values) {
  SKR_RETURN_IF_ERROR(VerifySignature(attest_bytes, signature, ak_public));
  SKR_ASSIGN_OR_RETURN(Attest a, ParseAttest(attest_bytes));
  if (a.type != kStAttestQuote || !a.quote) {
    char type[8];
    std::snprintf(type, sizeof(type), "0x%04x", a.type);
    return Malformed(std::string("TPM quote: TPMS_ATTEST type is ") + type +
                     ", expected ATTEST_QUOTE 0x8018");
  }
  if (!encoding::ConstantTimeEquals(a.extra_data, expected_nonce)) {
    return VerificationFailed("TPM quote: extraData (nonce) is " +
                              encoding::HexEncode(a.extra_data) + ", expected " +
                              encoding::HexEncode(expected_nonce));
  }
  SKR_ASSIGN_OR_RETURN(crypto::HashAlg h, HashAlgFromTpm(signature.hash_alg));
  auto digest = PcrDigest(h, a.quote->pcr_select, pcr_values);
  if (!digest.ok()) return digest.error().WithContext("TPM quote: computing the PCR digest");
  if (*digest != a.quote->pcr_digest) {
    return VerificationFailed("TPM quote: pcrDigest " + encoding::HexEncode(a.quote->pcr_digest) +
                              " does not match the digest of the given PCR values " +
                              encoding::HexEncode(*digest) +
                              " (the PCR values are not the ones quoted)");
  }
  return a;
}

Result<Attest> VerifyCertify(ByteView attest_bytes, const Signature& signature,
                             const crypto::PublicKey& ak_public, ByteView expected_nonce,
                             const TpmPublic& certified) {
  SKR_RETURN_IF_ERROR(VerifySignature(attest_bytes, signature, ak_public));
  SKR_ASSIGN_OR_RETURN(Attest a, ParseAttest(attest_bytes));
  if (a.type != kStAttestCertify || !a.certify) {
    char type[8];
    std::snprintf(type, sizeof(type), "0x%04x", a.type);
    return Malformed(std::string("TPM certify: TPMS_ATTEST type is ") + type +
                     ", expected ATTEST_CERTIFY 0x8017");
  }
  if (!encoding::ConstantTimeEquals(a.extra_data, expected_nonce)) {
    return VerificationFailed("TPM certify: extraData (nonce) is " +
                              encoding::HexEncode(a.extra_data) + ", expected " +
                              encoding::HexEncode(expected_nonce));
  }
  SKR_ASSIGN_OR_RETURN(Bytes name, certified.Name());
  if (a.certify->name != name) {
    return VerificationFailed(
        "TPM certify: the certified name " + encoding::HexEncode(a.certify->name) +
        " is not the name of the given public area " + encoding::HexEncode(name));
  }
  return a;
}

Result<void> ValidatePcrs(const PcrValues& actual, const PcrValues& expected) {
  for (const auto& [id, want] : expected) {
    auto it = actual.find(id);
    if (it == actual.end()) {
      return PolicyViolation(PcrName(id) + " is required by the policy but was not quoted");
    }
    if (it->second != want) {
      return PolicyViolation(PcrName(id) + " is " + encoding::HexEncode(it->second) +
                             ", the policy expects " + encoding::HexEncode(want));
    }
  }
  return Ok();
}

}  // namespace skr::tpm
