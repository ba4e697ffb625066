// The attestation-to-release path without HTTP: the same component calls the loopback services
// make, made directly. The guest's evidence is read from the vTPM (through the paravisor, as in
// the HTTPS flow) with the THIM chain / TD quote taken from the emulated hardware in-process
// instead of IMDS; MAA is AttestationService::Handle; the vault's release runs mock-kv's public
// pieces in the order of its handler (mock-kv/key_vault.cc Release): bearer, request, attestation
// token (JWKS cached), policy, runtime key, key_hsm, JWS.
#ifndef SKR_BENCH_IN_PROCESS_H_
#define SKR_BENCH_IN_PROCESS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "bench/stack_fixture.h"
#include "libskr/kv/key_hsm.h"
#include "mock-kv/release_signer.h"

namespace skr::bench {

// CollectAzureGuestEvidence (client/skr_client.cc) with the isolation evidence from the emulated
// hardware: AK certificate and public area, PCR quote and values, the ephemeral key's
// certification, and the SNP report + VCEK chain or the TD quote.
Result<maa::AttestationInfo> InProcessEvidence(StackFixture& f, const hcl::HclReport& hcl,
                                               const client::EphemeralKey& key);

// The release signer the vault uses (same seed and host: the same cached key and chain).
const mock_kv::ReleaseSigner& VaultSigner(StackFixture& f);

// Key release after the policy passed: runtime key from the claims, key_hsm (OAEP + RFC 5649)
// and the RS256 release JWS over the response payload, as the vault builds it.
Result<std::string> WrapAndSign(StackFixture& f, const nlohmann::json& claims,
                                kv::KeyWrapAlgorithm enc, const std::optional<std::string>& nonce);

// The vault's POST {kid}/release handler body: returns the response body {"value": JWS}.
Result<std::string> InProcessRelease(StackFixture& f, std::string_view authorization,
                                     std::string_view request_body, int64_t now);

// The guest's side of the release response: JWS unpacked, key_hsm parsed and unwrapped with the
// ephemeral key in the vTPM (KeyVaultClient::Release + SkrClient::ReleaseKey).
Result<Bytes> ClientUnwrap(std::string_view response_body, client::EphemeralKey& key);

}  // namespace skr::bench

#endif  // SKR_BENCH_IN_PROCESS_H_
