// Verifying a TPM2_Quote (authenticity and binding) apart from validating the quoted PCR values
// against a policy (evidence-formats.md 2.7; the go-tpm-tools verify/validate split).
#ifndef SKR_TPM_QUOTE_H_
#define SKR_TPM_QUOTE_H_

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/tpm/attest.h"
#include "libskr/tpm/public.h"

namespace skr::tpm {

// Verifies a quote:
//  1. `signature` over `attest_bytes` with `ak_public` (VerifySignature);
//  2. `attest_bytes` is a TPMS_ATTEST of type ATTEST_QUOTE;
//  3. extraData == `expected_nonce` (compared in constant time);
//  4. pcrDigest == H_sig(selected `pcr_values` in selection order), H_sig = the signature's hash,
//     i.e. the given PCR values are the ones the TPM quoted.
// Returns the parsed attestation. VerificationFailed for 1, 3, 4 (the message says which);
// Malformed/Unsupported for 2; NotFound if a selected PCR has no value.
Result<Attest> VerifyQuote(ByteView attest_bytes, const Signature& signature,
                           const crypto::PublicKey& ak_public, ByteView expected_nonce,
                           const PcrValues& pcr_values);

// Verifies a TPM2_Certify attestation (skr-protocol.md 1.4: EncKeyCertifyInfo +
// EncKeyCertifyInfoSignature certify the ephemeral key with the AK):
//  1. `signature` over `attest_bytes` with `ak_public`;
//  2. `attest_bytes` is a TPMS_ATTEST of type ATTEST_CERTIFY;
//  3. extraData == `expected_nonce`;
//  4. attested.certify.name == certified.Name(), i.e. the certified object is this public area.
// Returns the parsed attestation; error codes as VerifyQuote.
Result<Attest> VerifyCertify(ByteView attest_bytes, const Signature& signature,
                             const crypto::PublicKey& ak_public, ByteView expected_nonce,
                             const TpmPublic& certified);

// Policy: every PCR in `expected` must be present in `actual` with the same value.
// PolicyViolation names the first differing PCR with expected and found values (hex).
Result<void> ValidatePcrs(const PcrValues& actual, const PcrValues& expected);

}  // namespace skr::tpm

#endif  // SKR_TPM_QUOTE_H_
