// POST /attest/AzureGuest evidence (skr-protocol.md 1.4): vTPM quote and ephemeral key by the
// AIK, plus the isolation (SNP / TDX) evidence binding the HCL runtime claims, whose HCLAkPub must
// be the AIK.
#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"
#include "libskr/tpm/attest.h"
#include "libskr/tpm/public.h"
#include "libskr/tpm/quote.h"
#include "mock-maa/claims.h"
#include "mock-maa/evidence.h"
#include "mock-maa/evidence_internal.h"

namespace skr::mock_maa {

using nlohmann::json;

namespace {

constexpr char kCtx[] = "AttestationInfo";

Result<const json*> Object(const json& parent, std::string_view name, std::string_view context) {
  const json* m = FindMember(parent, name);
  if (!m) return Malformed(std::string(context) + "." + std::string(name) + " is missing");
  if (!m->is_object()) {
    return Malformed(std::string(context) + "." + std::string(name) + " must be an object");
  }
  return m;
}

// A base64 string decoded to text (OSType, OSDistro, OSBuild); "" when absent.
Result<std::string> Base64Text(const json& info, std::string_view name) {
  if (!FindMember(info, name)) return std::string();
  SKR_ASSIGN_OR_RETURN(Bytes b, DecodeBase64Member(info, name, kCtx));
  return AsString(b);
}

// OSVersionMajor/Minor: integers from the C++ library, strings from the Python tool.
Result<int64_t> IntMember(const json& info, std::string_view name) {
  const json* m = FindMember(info, name);
  if (!m) return int64_t{0};
  if (m->is_number_integer()) return m->get<int64_t>();
  if (m->is_string()) {
    try {
      return static_cast<int64_t>(std::stoll(m->get<std::string>()));
    } catch (...) {
    }
  }
  return Malformed(std::string(kCtx) + "." + std::string(name) + " must be an integer");
}

Result<tpm::TpmPublic> ParseTpmPublic(ByteView b, std::string_view what) {
  auto p2b = tpm::ParsePublic2B(b);
  if (p2b.ok()) return *p2b;
  auto p = tpm::ParsePublic(b);
  if (p.ok()) return *p;
  return Malformed(std::string(what) +
                   " is neither a TPM2B_PUBLIC nor a TPMT_PUBLIC: " + p2b.error().message());
}

struct VerifiedTpm {
  crypto::PublicKey aik;
  crypto::PublicKey encryption_key;
  tpm::TpmPublic encryption_public;
  std::vector<uint32_t> attested_pcrs;
};

Result<VerifiedTpm> VerifyTpmInfo(const json& tpm_info, const EvidenceContext& ctx) {
  const std::string c = std::string(kCtx) + ".TpmInfo";
  SKR_ASSIGN_OR_RETURN(Bytes aik_der, DecodeBase64Member(tpm_info, "AikCert", c));
  auto aik_cert = x509::CertificateFromDer(aik_der);
  if (!aik_cert.ok()) return Malformed(c + ".AikCert: " + aik_cert.error().message());
  if (ctx.aik_roots.empty()) {
    return VerificationFailed("no vTPM AIK root is trusted by this service (configure aik_roots)");
  }
  std::vector<x509::Certificate> roots, intermediates;
  for (const auto& r : ctx.aik_roots) (r.is_self_issued() ? roots : intermediates).push_back(r);
  auto chain = x509::VerifyChain(*aik_cert, intermediates, roots, ctx.now);
  if (!chain.ok()) return VerificationFailed("AIK certificate: " + chain.error().message());

  SKR_ASSIGN_OR_RETURN(Bytes aik_pub_bytes, DecodeBase64Member(tpm_info, "AikPub", c));
  SKR_ASSIGN_OR_RETURN(tpm::TpmPublic aik_pub, ParseTpmPublic(aik_pub_bytes, c + ".AikPub"));
  SKR_ASSIGN_OR_RETURN(crypto::PublicKey aik, aik_pub.ToPublicKey());
  if (!aik.Equals(aik_cert->public_key())) {
    return VerificationFailed(c + ".AikPub is not the key certified by AikCert (" +
                              aik_cert->subject() + ")");
  }

  // PCR quote: raw RSASSA signature, qualifying data empty (skr-protocol.md 1.4).
  SKR_ASSIGN_OR_RETURN(Bytes quote, DecodeBase64Member(tpm_info, "PcrQuote", c));
  SKR_ASSIGN_OR_RETURN(Bytes quote_sig, DecodeBase64Member(tpm_info, "PcrSignature", c));
  const json* pcrs = FindMember(tpm_info, "PCRs");
  if (!pcrs || !pcrs->is_array()) return Malformed(c + ".PCRs must be an array");
  tpm::PcrValues values;
  for (const json& p : *pcrs) {
    const json* idx = FindMember(p, "Index");
    if (!idx || !idx->is_number_unsigned() || idx->get<uint64_t>() > 23) {
      return Malformed(c + ".PCRs[].Index must be an integer 0..23");
    }
    SKR_ASSIGN_OR_RETURN(Bytes digest, DecodeBase64Member(p, "Digest", c + ".PCRs[]"));
    values[{tpm::kAlgSha256, idx->get<uint32_t>()}] = digest;
  }
  auto attest = tpm::VerifyQuote(
      quote, tpm::Signature::RsassaRaw(crypto::HashAlg::kSha256, quote_sig), aik, Bytes{}, values);
  if (!attest.ok()) return attest.error().WithContext("PCR quote (" + c + ".PcrQuote)");
  VerifiedTpm out{aik, aik, {}, {}};
  for (const auto& sel : attest->quote->pcr_select) {
    if (sel.hash_alg == tpm::kAlgSha256) out.attested_pcrs = sel.pcrs;
  }

  // Ephemeral encryption key certified by the AIK (TPM2_Certify).
  SKR_ASSIGN_OR_RETURN(Bytes enc_pub_bytes, DecodeBase64Member(tpm_info, "EncKeyPub", c));
  SKR_ASSIGN_OR_RETURN(out.encryption_public, ParseTpmPublic(enc_pub_bytes, c + ".EncKeyPub"));
  SKR_ASSIGN_OR_RETURN(Bytes certify, DecodeBase64Member(tpm_info, "EncKeyCertifyInfo", c));
  SKR_ASSIGN_OR_RETURN(Bytes certify_sig,
                       DecodeBase64Member(tpm_info, "EncKeyCertifyInfoSignature", c));
  // Empty qualifying data, as the guest library certifies (skr-protocol.md 1.4).
  auto certified =
      tpm::VerifyCertify(certify, tpm::Signature::RsassaRaw(crypto::HashAlg::kSha256, certify_sig),
                         aik, Bytes{}, out.encryption_public);
  if (!certified.ok()) {
    return certified.error().WithContext(c + ".EncKeyCertifyInfo/EncKeyCertifyInfoSignature");
  }
  SKR_ASSIGN_OR_RETURN(out.encryption_key, out.encryption_public.ToPublicKey());
  if (out.encryption_key.type() != crypto::KeyType::kRsa) {
    return Unsupported(c + ".EncKeyPub must be an RSA key (the sealed response is RSAES)");
  }
  return out;
}

// The isolation evidence: verified hardware report + bound HCL runtime claims whose HCLAkPub is
// the AIK. Returns the x-ms-isolation-tee object.
Result<json> VerifyIsolation(const json& iso, const crypto::PublicKey& aik,
                             const EvidenceContext& ctx) {
  const std::string c = std::string(kCtx) + ".IsolationInfo";
  const json* type = FindMember(iso, "Type");
  if (!type || !type->is_string()) return Malformed(c + ".Type must be a string");
  std::string t = type->get<std::string>();
  if (t != "SevSnp" && t != "Tdx") {
    return Unsupported(c + ".Type \"" + t + "\" is not supported (SevSnp, Tdx, TrustedLaunch)");
  }
  SKR_ASSIGN_OR_RETURN(const json* ev, Object(iso, "Evidence", c));
  SKR_ASSIGN_OR_RETURN(Bytes proof, DecodeBase64Member(*ev, "Proof", c + ".Evidence"));
  SKR_ASSIGN_OR_RETURN(Bytes runtime_bytes,
                       DecodeBase64Member(*ev, "RunTimeData", c + ".Evidence"));
  DataField runtime;
  runtime.data = runtime_bytes;
  runtime.is_json = true;
  runtime.parsed = json::parse(runtime_bytes.begin(), runtime_bytes.end(), nullptr, false);
  if (runtime.parsed.is_discarded() || !runtime.parsed.is_object()) {
    return Malformed(c + ".Evidence.RunTimeData is not the HCL runtime claims JSON object");
  }
  json tee;
  if (t == "SevSnp") {
    json p = json::parse(proof.begin(), proof.end(), nullptr, false);
    if (p.is_discarded() || !p.is_object()) {
      return Malformed(c + ".Evidence.Proof must be base64 of {SnpReport, VcekCertChain}");
    }
    SKR_ASSIGN_OR_RETURN(Bytes report, DecodeBase64Member(p, "SnpReport", "Proof"));
    SKR_ASSIGN_OR_RETURN(Bytes chain, DecodeBase64Member(p, "VcekCertChain", "Proof"));
    SKR_ASSIGN_OR_RETURN(VerifiedSnp v, VerifySnpEvidence(report, AsString(chain), ctx));
    SKR_RETURN_IF_ERROR(CheckRuntimeBinding(v.report.report_data, runtime, "REPORT_DATA"));
    tee = SevSnpVmClaims(v.report, v.product);
    tee["x-ms-attestation-type"] = "sevsnpvm";
  } else {  // Tdx
    SKR_ASSIGN_OR_RETURN(tdx::TdQuote q, VerifyTdxEvidence(proof, ctx));
    SKR_RETURN_IF_ERROR(CheckRuntimeBinding(q.body.report_data, runtime, "REPORTDATA"));
    tee = TdxVmClaims(q.body);
    tee["x-ms-attestation-type"] = "tdxvm";
  }
  SKR_ASSIGN_OR_RETURN(hcl::RuntimeClaims rc, hcl::RuntimeClaims::Parse(runtime.data));
  SKR_ASSIGN_OR_RETURN(jose::Jwk ak_jwk, rc.Key("HCLAkPub"));
  SKR_ASSIGN_OR_RETURN(crypto::PublicKey hcl_ak, ak_jwk.ToPublicKey());
  if (!hcl_ak.Equals(aik)) {
    return VerificationFailed(
        "HCLAkPub in the isolation runtime data is not the AIK that signed "
        "the TPM quote");
  }
  tee["x-ms-compliance-status"] = ctx.compliance_status;
  tee["x-ms-runtime"] = runtime.parsed;
  return tee;
}

}  // namespace

Result<AzureGuestResult> AzureGuestRequestClaims(const json& req, const EvidenceContext& ctx) {
  SKR_ASSIGN_OR_RETURN(Bytes info_bytes, DecodeBase64Member(req, "AttestationInfo", "request"));
  json info = json::parse(info_bytes.begin(), info_bytes.end(), nullptr, false);
  if (info.is_discarded() || !info.is_object()) {
    return Malformed("request.AttestationInfo must be base64url of a JSON object");
  }
  SKR_ASSIGN_OR_RETURN(const json* tpm_info, Object(info, "TpmInfo", kCtx));
  SKR_ASSIGN_OR_RETURN(VerifiedTpm tpm, VerifyTpmInfo(*tpm_info, ctx));

  json claims = json::object();
  SKR_ASSIGN_OR_RETURN(const json* iso, Object(info, "IsolationInfo", kCtx));
  const json* iso_type = FindMember(*iso, "Type");
  json vm_config = json::object();
  if (iso_type && iso_type->is_string() && iso_type->get<std::string>() == "TrustedLaunch") {
    // Trusted launch VM: no isolation evidence.
  } else {
    SKR_ASSIGN_OR_RETURN(json tee, VerifyIsolation(*iso, tpm.aik, ctx));
    if (tee["x-ms-runtime"].contains("vm-configuration")) {
      vm_config = tee["x-ms-runtime"]["vm-configuration"];
    }
    claims["x-ms-isolation-tee"] = std::move(tee);
  }

  SKR_ASSIGN_OR_RETURN(std::string os_type, Base64Text(info, "OSType"));
  SKR_ASSIGN_OR_RETURN(std::string os_distro, Base64Text(info, "OSDistro"));
  SKR_ASSIGN_OR_RETURN(std::string os_build, Base64Text(info, "OSBuild"));
  SKR_ASSIGN_OR_RETURN(int64_t major, IntMember(info, "OSVersionMajor"));
  SKR_ASSIGN_OR_RETURN(int64_t minor, IntMember(info, "OSVersionMinor"));
  std::string protocol = "2.0";
  if (const json* v = FindMember(info, "AttestationProtocolVersion"); v && v->is_string()) {
    protocol = v->get<std::string>();
  }
  bool secure_boot = vm_config.value("secure-boot", false);

  claims["x-ms-attestation-type"] = "azurevm";
  claims["x-ms-azurevm-attestation-protocol-ver"] = protocol;
  claims["x-ms-azurevm-attested-pcrs"] = tpm.attested_pcrs;
  claims["x-ms-azurevm-is-windows"] = os_type == "Windows";
  claims["x-ms-azurevm-ostype"] = os_type;
  claims["x-ms-azurevm-osdistro"] = os_distro;
  claims["x-ms-azurevm-osbuild"] = os_build;
  claims["x-ms-azurevm-osversion-major"] = major;
  claims["x-ms-azurevm-osversion-minor"] = minor;
  if (vm_config.contains("vmUniqueId")) claims["x-ms-azurevm-vmid"] = vm_config["vmUniqueId"];
  // Boot-state claims real MAA derives from the TCG log, which the mock does not replay: fixed
  // values of a healthy Linux CVM (as in the 2025 token), secure boot from vm-configuration.
  claims["secureboot"] = secure_boot;
  claims["x-ms-azurevm-bootdebug-enabled"] = false;
  claims["x-ms-azurevm-dbvalidated"] = secure_boot;
  claims["x-ms-azurevm-dbxvalidated"] = secure_boot;
  claims["x-ms-azurevm-debuggersdisabled"] = true;
  claims["x-ms-azurevm-default-securebootkeysvalidated"] = secure_boot;
  claims["x-ms-azurevm-elam-enabled"] = false;
  claims["x-ms-azurevm-flightsigning-enabled"] = false;
  claims["x-ms-azurevm-hvci-policy"] = 0;
  claims["x-ms-azurevm-hypervisordebug-enabled"] = false;
  claims["x-ms-azurevm-kerneldebug-enabled"] = false;
  claims["x-ms-azurevm-signingdisabled"] = true;
  claims["x-ms-azurevm-testsigning-enabled"] = false;

  // Top-level x-ms-runtime: the client payload (values as sent) and the ephemeral key, the key
  // Key Vault wraps the released key to (skr-protocol.md 1.4, 6.5).
  json runtime = json::object();
  if (const json* cp = FindMember(info, "ClientPayload"); cp && cp->is_object() && !cp->empty()) {
    runtime["client-payload"] = *cp;
  }
  SKR_ASSIGN_OR_RETURN(jose::Jwk enc_jwk, tpm.encryption_public.ToJwk());
  json k = enc_jwk.json();
  k["kid"] = "TpmEphemeralEncryptionKey";
  k["key_ops"] = json::array({"encrypt"});
  runtime["keys"] = json::array({k});
  claims["x-ms-runtime"] = runtime;
  return AzureGuestResult{claims, tpm.encryption_key};
}

}  // namespace skr::mock_maa
