#include "bench/in_process.h"

#include "libskr/jose/jws.h"
#include "libskr/x509/certificate.h"
#include "mock-kv/key_hsm.h"
#include "mock-kv/key_material.h"

namespace skr::bench {

using nlohmann::json;
using nlohmann::ordered_json;

Result<maa::AttestationInfo> InProcessEvidence(StackFixture& f, const hcl::HclReport& hcl,
                                               const client::EphemeralKey& key) {
  client::GuestTpm& tpm = f.client->tpm();
  maa::AttestationInfo info;
  maa::TpmInfo& t = info.tpm;
  SKR_ASSIGN_OR_RETURN(t.aik_cert, tpm.ReadAkCert());
  SKR_ASSIGN_OR_RETURN(tpm::KeyPublic ak, tpm.ReadAkPublic());
  ByteWriter w;
  w.AppendSized16Be(ak.tpmt_public);
  t.aik_pub = std::move(w).Take();
  t.pcr_set = client::kAzurePcrs;
  SKR_ASSIGN_OR_RETURN(tpm::QuoteResult quote, tpm.QuotePcrs(client::kAzurePcrs, {}));
  t.pcr_quote = quote.attest;
  t.pcr_signature = quote.signature;
  SKR_ASSIGN_OR_RETURN(std::vector<Bytes> values, tpm.ReadPcrs(client::kAzurePcrs));
  for (size_t i = 0; i < client::kAzurePcrs.size(); ++i) t.pcrs[client::kAzurePcrs[i]] = values[i];
  t.enc_key_pub = key.tpm2b_public();
  t.enc_key_certify_info = key.certification().attest;
  t.enc_key_certify_info_signature = key.certification().signature;
  info.isolation.runtime_data = hcl.runtime_claims;
  emulator::cvm::EmulatedCvm& cvm = f.stack->cvm(0);
  if (hcl.report_type == hcl::ReportType::kSnp) {
    info.isolation.type = "SevSnp";
    info.isolation.snp_report = ToBytes(hcl.HardwareReport());
    // THIM's vcekCert + certificateChain: VCEK, ASK, ARK (platform_chain is ARK, ASK, VCEK).
    std::vector<x509::Certificate> chain = cvm.platform_chain();
    std::reverse(chain.begin(), chain.end());
    info.isolation.vcek_cert_chain = x509::CertificatesToPem(chain);
  } else {
    info.isolation.type = "Tdx";
    SKR_ASSIGN_OR_RETURN(info.isolation.td_quote, cvm.tdx()->QuoteTdReport(hcl.HardwareReport()));
  }
  return info;
}

const mock_kv::ReleaseSigner& VaultSigner(StackFixture& f) {
  // mock-kv's HostOf: the host of the vault URL, no port.
  std::string url = f.stack->vault().vault_url();
  size_t s = url.find("://");
  size_t start = s == std::string::npos ? 0 : s + 3;
  size_t end = url.find_first_of(":/", start);
  const std::string host = url.substr(start, end == std::string::npos ? end : end - start);
  static auto signer = mock_kv::ReleaseSigner::Get(f.stack->seed_bytes(), host);
  Check(signer.ok(), "release signer");
  return **signer;
}

Result<std::string> WrapAndSign(StackFixture& f, const json& claims, kv::KeyWrapAlgorithm enc,
                                const std::optional<std::string>& nonce) {
  const VaultSide& v = f.vault;
  SKR_ASSIGN_OR_RETURN(mock_kv::RuntimeKey runtime, mock_kv::SelectRuntimeKey(claims));
  SKR_ASSIGN_OR_RETURN(std::string key_hsm, mock_kv::WrapForRelease(runtime, enc, v.material));
  SKR_ASSIGN_OR_RETURN(ordered_json jwk,
                       mock_kv::PublicJwk(v.kid, v.kty, mock_kv::DefaultKeyOps(v.kty), v.material));
  jwk["key_hsm"] = key_hsm;
  ordered_json echoed = ordered_json::object();
  echoed["api-version"] = "7.4";
  echoed["enc"] = kv::KeyWrapAlgorithmName(enc);
  echoed["kid"] = v.kid;
  if (nonce) echoed["nonce"] = *nonce;
  ordered_json attributes = {{"enabled", true},       {"created", 1700000000},
                             {"updated", 1700000000}, {"recoveryLevel", "Recoverable+Purgeable"},
                             {"recoverableDays", 90}, {"exportable", true}};
  mock_kv::StoredReleasePolicy stored;
  stored.canonical_json = v.policy_canonical_json;
  ordered_json inner = ordered_json::object();
  inner["key"] = jwk;
  inner["attributes"] = attributes;
  inner["tags"] = ordered_json::object();
  inner["release_policy"] = {{"data", mock_kv::RestReleasePolicyJson(stored)["data"]}};
  ordered_json payload = ordered_json::object();
  payload["request"] = echoed;
  payload["response"] = {{"key", inner}};
  return VaultSigner(f).Sign(payload);
}

Result<std::string> InProcessRelease(StackFixture& f, std::string_view authorization,
                                     std::string_view request_body, int64_t now) {
  const VaultSide& v = f.vault;
  SKR_ASSIGN_OR_RETURN(mock_kv::Caller caller,
                       mock_kv::VerifyBearer(authorization, v.identity, now));
  if (caller.oid != f.identity.object_id) return PolicyViolation("unexpected caller " + caller.oid);
  SKR_ASSIGN_OR_RETURN(kv::ReleaseRequest request, kv::ParseReleaseRequest(request_body));
  const kv::KeyWrapAlgorithm enc = request.enc.value_or(kv::KeyWrapAlgorithm::kCkmRsaAesKeyWrap);
  SKR_ASSIGN_OR_RETURN(
      mock_kv::VerifiedToken token,
      mock_kv::VerifyAttestationToken(request.target, v.attestation, now, f.jwks_cache.get()));
  SKR_ASSIGN_OR_RETURN(mock_kv::ReleasePolicy policy,
                       mock_kv::ParseReleasePolicy(v.policy_canonical_json));
  mock_kv::PolicyDecision d = mock_kv::EvaluateReleasePolicy(policy, token.issuer, token.claims);
  if (!d.allowed) return PolicyViolation("release policy: " + d.reason);
  SKR_ASSIGN_OR_RETURN(std::string jws, WrapAndSign(f, token.claims, enc, request.nonce));
  return ordered_json{{"value", jws}}.dump();
}

Result<Bytes> ClientUnwrap(std::string_view response_body, client::EphemeralKey& key) {
  json body = json::parse(response_body, nullptr, false);
  if (body.is_discarded() || !body.contains("value") || !body["value"].is_string()) {
    return Malformed("release response has no \"value\"");
  }
  SKR_ASSIGN_OR_RETURN(jose::CompactJws jws,
                       jose::ParseCompactJws(body["value"].get<std::string>()));
  json payload = json::parse(AsString(jws.payload), nullptr, false);
  const json* k = &payload;
  for (const char* step : {"response", "key", "key", "key_hsm"}) {
    if (!k->is_object() || !k->contains(step)) return Malformed("no response.key.key.key_hsm");
    k = &(*k)[step];
  }
  if (!k->is_string()) return Malformed("key_hsm is not a string");
  SKR_ASSIGN_OR_RETURN(kv::KeyHsmBlob blob, kv::ParseKeyHsm(k->get<std::string>()));
  client::EphemeralKey* tpm_key = &key;
  return kv::UnwrapKeyHsm(
      blob, key.public_key().rsa_modulus.size(),
      [tpm_key](crypto::HashAlg hash, ByteView ct) { return tpm_key->DecryptOaep(hash, ct); });
}

}  // namespace skr::bench
