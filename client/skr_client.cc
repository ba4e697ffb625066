#include "client/skr_client.h"

#include "libskr/encoding/encoding.h"
#include "libskr/jose/jws.h"
#include "libskr/x509/certificate.h"

namespace skr::client {
namespace {

using nlohmann::json;

constexpr std::string_view kEphemeralKid = "TpmEphemeralEncryptionKey";

Bytes Tpm2bPublic(const tpm::KeyPublic& pub) {
  ByteWriter w;
  w.AppendSized16Be(pub.tpmt_public);
  return std::move(w).Take();
}

}  // namespace

Result<json> UnverifiedJwtClaims(std::string_view jwt) {
  auto jws = jose::ParseCompactJws(jwt);
  if (!jws.ok()) return jws.error().WithContext("attestation token");
  json claims = json::parse(AsString(jws->payload), nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) {
    return Malformed("attestation token payload is not a JSON object");
  }
  return claims;
}

Result<std::unique_ptr<SkrClient>> SkrClient::Create(SkrClientOptions options) {
  SKR_ASSIGN_OR_RETURN(std::unique_ptr<GuestTpm> tpm, GuestTpm::Open(options.tcti));
  SKR_ASSIGN_OR_RETURN(ImdsClient imds, ImdsClient::Create(options.imds, options.retry));
  return std::unique_ptr<SkrClient>(
      new SkrClient(std::move(options), std::move(tpm), std::move(imds)));
}

Result<hcl::HclReport> SkrClient::ReadHclReport(const std::optional<Bytes>& user_data) {
  SKR_ASSIGN_OR_RETURN(Bytes raw, user_data
                                      ? tpm_->RequestHclReport(*user_data, options_.fresh_report)
                                      : tpm_->ReadHclReport());
  auto report = hcl::ParseHclReport(raw);
  if (!report.ok()) return report.error().WithContext("HCL report from NV 0x01400001");
  return report;
}

Result<std::string> SkrClient::IsolationEvidence(const hcl::HclReport& hcl,
                                                 maa::IsolationInfo& out) {
  out.runtime_data = hcl.runtime_claims;
  switch (hcl.report_type) {
    case hcl::ReportType::kSnp: {
      out.type = "SevSnp";
      out.snp_report = ToBytes(hcl.HardwareReport());
      SKR_ASSIGN_OR_RETURN(snp::ThimCertification c, imds_.GetThimCertification());
      // VCEK, then ASK and ARK, as the guest library sends THIM's vcekCert + certificateChain.
      out.vcek_cert_chain = c.vcek.ToPem() + x509::CertificatesToPem(c.chain);
      return std::string("SevSnp");
    }
    case hcl::ReportType::kTdx: {
      out.type = "Tdx";
      SKR_ASSIGN_OR_RETURN(out.td_quote, imds_.GetTdQuote(hcl.HardwareReport()));
      return std::string("Tdx");
    }
    default:
      return Unsupported("HCL report type " + std::string(hcl::ReportTypeName(hcl.report_type)) +
                         ": only SEV-SNP and TDX CVMs release keys through SKR");
  }
}

Result<maa::AttestationInfo> SkrClient::CollectAzureGuestEvidence(
    const hcl::HclReport& hcl, const EphemeralKey& key, const std::optional<std::string>& nonce) {
  maa::AttestationInfo info;
  if (nonce) info.client_payload["nonce"] = *nonce;
  maa::TpmInfo& t = info.tpm;
  SKR_ASSIGN_OR_RETURN(t.aik_cert, tpm_->ReadAkCert());
  SKR_ASSIGN_OR_RETURN(tpm::KeyPublic ak, tpm_->ReadAkPublic());
  t.aik_pub = Tpm2bPublic(ak);
  t.pcr_set = kAzurePcrs;
  // The guest library quotes with an empty qualifying data (skr-protocol.md 1.4).
  SKR_ASSIGN_OR_RETURN(tpm::QuoteResult quote, tpm_->QuotePcrs(kAzurePcrs, {}));
  t.pcr_quote = quote.attest;
  t.pcr_signature = quote.signature;
  SKR_ASSIGN_OR_RETURN(std::vector<Bytes> values, tpm_->ReadPcrs(kAzurePcrs));
  for (size_t i = 0; i < kAzurePcrs.size(); ++i) t.pcrs[kAzurePcrs[i]] = values[i];
  t.enc_key_pub = key.tpm2b_public();
  t.enc_key_certify_info = key.certification().attest;
  t.enc_key_certify_info_signature = key.certification().signature;
  SKR_RETURN_IF_ERROR(IsolationEvidence(hcl, info.isolation));
  return info;
}

Result<Attestation> SkrClient::Attest(const AttestOptions& o) {
  SKR_ASSIGN_OR_RETURN(hcl::HclReport hcl, ReadHclReport(o.user_data));
  SKR_ASSIGN_OR_RETURN(MaaClient maa, MaaClient::Create(options_.maa, options_.retry));
  Attestation out;
  out.flow = o.flow;
  out.report_type = hcl.report_type;
  switch (o.flow) {
    case AttestationFlow::kAzureGuest: {
      SKR_ASSIGN_OR_RETURN(out.ephemeral_key, tpm_->CreateEphemeralKey());
      SKR_ASSIGN_OR_RETURN(maa::AttestationInfo info,
                           CollectAzureGuestEvidence(hcl, *out.ephemeral_key, o.nonce));
      SKR_ASSIGN_OR_RETURN(maa::SealedToken sealed, maa.AttestAzureGuest(info));
      EphemeralKey* key = out.ephemeral_key.get();
      auto jwt = maa::OpenSealedJwt(sealed, [key](ByteView inner) {
        return key->Decrypt(tpm::RsaDecryptScheme::kRsaes, inner);
      });
      if (!jwt.ok()) return jwt.error().WithContext("unsealing the AzureGuest token in the vTPM");
      out.token = std::move(jwt).value();
      break;
    }
    case AttestationFlow::kSevSnpVm: {
      if (hcl.report_type != hcl::ReportType::kSnp) {
        return InvalidArgument("flow SevSnpVm needs an SEV-SNP CVM, but the HCL report holds a " +
                               std::string(hcl::ReportTypeName(hcl.report_type)) +
                               " report (use --flow tdxvm or azureguest)");
      }
      maa::IsolationInfo iso;
      SKR_RETURN_IF_ERROR(IsolationEvidence(hcl, iso));
      maa::SevSnpVmRequest req;
      req.snp_report = iso.snp_report;
      req.vcek_cert_chain = iso.vcek_cert_chain;
      req.runtime_data = maa::TypedData{hcl.runtime_claims, "JSON"};
      req.nonce = o.nonce;
      SKR_ASSIGN_OR_RETURN(out.token, maa.AttestSevSnpVm(req));
      break;
    }
    case AttestationFlow::kTdxVm: {
      if (hcl.report_type != hcl::ReportType::kTdx) {
        return InvalidArgument("flow TdxVm needs a TDX CVM, but the HCL report holds a " +
                               std::string(hcl::ReportTypeName(hcl.report_type)) +
                               " report (use --flow sevsnpvm or azureguest)");
      }
      maa::TdxVmRequest req;
      SKR_ASSIGN_OR_RETURN(req.quote, imds_.GetTdQuote(hcl.HardwareReport()));
      req.runtime_data = maa::TypedData{hcl.runtime_claims, "JSON"};
      req.nonce = o.nonce;
      SKR_ASSIGN_OR_RETURN(out.token, maa.AttestTdxVm(req));
      break;
    }
  }
  SKR_ASSIGN_OR_RETURN(out.claims, UnverifiedJwtClaims(out.token));
  return out;
}

Result<ReleasedKey> SkrClient::ReleaseKey(const Attestation& attestation, std::string_view key,
                                          std::optional<kv::KeyWrapAlgorithm> enc,
                                          std::optional<std::string> nonce) {
  SKR_ASSIGN_OR_RETURN(AccessToken bearer,
                       imds_.GetAccessToken(options_.vault_resource, options_.identity));
  SKR_ASSIGN_OR_RETURN(KeyVaultClient vault,
                       KeyVaultClient::Create(options_.vault, bearer.token, options_.retry));
  kv::ReleaseRequest request{attestation.token, std::move(nonce), enc};
  SKR_ASSIGN_OR_RETURN(ReleaseResult release, vault.Release(key, request));

  const kv::KeyHsmBlob& blob = release.key_hsm;
  if (blob.kid != kEphemeralKid || attestation.ephemeral_key == nullptr) {
    return Unsupported(
        "the vault wrapped the key to \"" + blob.kid +
        "\", which this guest cannot decrypt in its vTPM: only the AzureGuest flow puts a TPM "
        "decryption key (TpmEphemeralEncryptionKey) in x-ms-runtime; the platform flows carry "
        "the HCL runtime claims, whose encryption key HCLEkPub is the restricted TPM EK. Use "
        "--flow azureguest to release and unwrap");
  }
  EphemeralKey* tpm_key = attestation.ephemeral_key.get();
  auto material = kv::UnwrapKeyHsm(
      blob, tpm_key->public_key().rsa_modulus.size(),
      [tpm_key](crypto::HashAlg hash, ByteView ct) { return tpm_key->DecryptOaep(hash, ct); });
  if (!material.ok()) return material.error().WithContext("unwrapping the released key");
  ReleasedKey out;
  out.key_material = std::move(material).value();
  if (release.key.contains("kid") && release.key["kid"].is_string()) {
    out.kid = release.key["kid"].get<std::string>();
  }
  if (release.key.contains("kty") && release.key["kty"].is_string()) {
    out.kty = release.key["kty"].get<std::string>();
  }
  out.release = std::move(release);
  return out;
}

}  // namespace skr::client
