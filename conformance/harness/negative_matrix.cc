// The negative matrix, one row per case: what is sent, to which service, and the exact status and
// error code expected. Evidence rows tamper the emulated CVMs' real evidence one region at a time
// (byte layouts: evidence-formats.md 1.4 SNP report, 3.2-3.4 TD quote); MAA rows are API and
// policy refusals (skr-protocol.md 1.5); Key Vault rows are refusals of the release operation
// (4.3-4.6). Codes are mock-maa's and mock-kv's, which follow the reference where it is known and
// say so in their READMEs where it is not (4.5 "UNCONFIRMED").
#include "conformance/harness/negative_matrix.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "conformance/harness/target.h"
#include "libskr/crypto/derive.h"
#include "libskr/crypto/drbg.h"
#include "libskr/encoding/encoding.h"
#include "libskr/jose/jws.h"

namespace skr::harness {
namespace {

using nlohmann::json;

constexpr char kAbsentKey[] = "skr-conformance-absent";

std::string ReleasePath(const std::string& key, const std::string& version = "") {
  return "/keys/" + key + (version.empty() ? "" : "/" + version) + "/release?api-version=7.4";
}

// ---- evidence builders ----

Result<Probe> Snp(const maa::SevSnpVmRequest& r) {
  return Probe{"POST", kMaaSevSnpVmPath, {}, maa::EncodeSevSnpVmRequest(r)};
}
Result<Probe> Tdx(const maa::TdxVmRequest& r) {
  return Probe{"POST", kMaaTdxVmPath, {}, maa::EncodeTdxVmRequest(r)};
}

std::function<Result<Probe>(ConformanceTarget&)> SnpFlip(size_t offset) {
  return [offset](ConformanceTarget& t) -> Result<Probe> {
    maa::SevSnpVmRequest r = t.fx().snp_request;
    r.snp_report.at(offset) ^= 0x01;
    return Snp(r);
  };
}

std::function<Result<Probe>(ConformanceTarget&)> TdxFlip(size_t offset) {
  return [offset](ConformanceTarget& t) -> Result<Probe> {
    maa::TdxVmRequest r = t.fx().tdx_request;
    r.quote.at(offset) ^= 0x01;
    return Tdx(r);
  };
}

std::function<Result<Probe>(ConformanceTarget&)> SnpDraft(std::string policy, bool debug = false) {
  return [policy, debug](ConformanceTarget& t) -> Result<Probe> {
    maa::SevSnpVmRequest r = debug ? t.fx().snp_debug_request : t.fx().snp_request;
    r.draft_policy = policy;
    return Snp(r);
  };
}

std::function<Result<Probe>(ConformanceTarget&)> MaaRaw(std::string method, std::string path,
                                                        std::string body) {
  return [=](ConformanceTarget& t) -> Result<Probe> {
    (void)t;
    return Probe{method, path, {}, body};
  };
}

// ---- token builders ----

struct Jwt {
  json header, payload;
  std::string signature;  // base64url
};

Result<Jwt> SplitJwt(const std::string& token) {
  const size_t a = token.find('.'), b = token.find('.', a + 1);
  if (a == std::string::npos || b == std::string::npos) return Malformed("not a JWT");
  SKR_ASSIGN_OR_RETURN(Bytes h, encoding::Base64UrlDecode(token.substr(0, a)));
  SKR_ASSIGN_OR_RETURN(Bytes p, encoding::Base64UrlDecode(token.substr(a + 1, b - a - 1)));
  return Jwt{json::parse(AsString(h)), json::parse(AsString(p)), token.substr(b + 1)};
}

std::string Segment(const json& j) { return encoding::Base64UrlEncode(AsBytes(j.dump())); }

// A key the services do not know (deterministic).
const crypto::PrivateKey& ForgerKey() {
  static const crypto::PrivateKey key = [] {
    crypto::Drbg d(AsBytes("skr-harness conformance"), "forger/rsa-2048");
    return crypto::DeriveRsaKey(d, 2048).value();
  }();
  return key;
}

Result<std::string> Resign(const json& header, const json& payload) {
  json h = header;
  h.erase("alg");
  return jose::SignCompact(h, AsBytes(payload.dump()), jose::JwsAlg::kRs256, ForgerKey());
}

// ---- Key Vault builders ----

Probe Release(ConformanceTarget& t, const std::string& key, json body,
              std::optional<std::string> bearer = std::nullopt) {
  const std::string b = bearer ? *bearer : t.vault_bearer();
  http::Headers h;
  if (!b.empty()) h.push_back({"Authorization", "Bearer " + b});
  return Probe{"POST", ReleasePath(key), h, body.dump()};
}

json Target(const std::string& token) {
  return {{"target", token}, {"enc", "RSA_AES_KEY_WRAP_256"}};
}

// Release of conf-snp with a target token made by `make`.
std::function<Result<Probe>(ConformanceTarget&)> WithToken(
    std::function<Result<std::string>(ConformanceTarget&)> make, std::string key = kKeySnp) {
  return [make, key](ConformanceTarget& t) -> Result<Probe> {
    SKR_ASSIGN_OR_RETURN(std::string token, make(t));
    return Release(t, key, Target(token));
  };
}

// Release with a bearer token made by `make` (a valid target: bearer checks come first).
std::function<Result<Probe>(ConformanceTarget&)> WithBearer(
    std::function<Result<std::string>(ConformanceTarget&)> make) {
  return [make](ConformanceTarget& t) -> Result<Probe> {
    SKR_ASSIGN_OR_RETURN(std::string bearer, make(t));
    const std::string key = t.live() ? kAbsentKey : kKeySnp;
    const std::string target = t.live() ? "x.y.z" : t.fx().snp_token;
    Probe p = Release(t, key, Target(target), std::string());
    if (bearer == "<none>") return p;
    p.headers.push_back({"Authorization", bearer});
    return p;
  };
}

std::function<Result<Probe>(ConformanceTarget&)> WithBody(std::string key, std::string body) {
  return [key, body](ConformanceTarget& t) -> Result<Probe> {
    Probe p = Release(t, key, json::object());
    p.body = body;
    return p;
  };
}

std::vector<NegativeCase> BuildMatrix() {
  using C = CheckCategory;
  std::vector<NegativeCase> m;
  auto add = [&m](NegativeCase c) { m.push_back(std::move(c)); };
  const auto kE = C::kEvidence;
  const auto kM = C::kMaa;
  const auto kK = C::kKeyVault;
  const auto kInvalid = "InvalidParameter";

  // === evidence: SEV-SNP report (SevSnpVm), a flipped bit in every signed region (1.4) ===
  struct Region {
    const char* name;
    size_t offset;
  };
  for (const Region& r : {Region{"version", 0x00},
                          Region{"guest-svn", 0x04},
                          Region{"policy", 0x08},
                          Region{"family-id", 0x10},
                          Region{"image-id", 0x20},
                          Region{"vmpl", 0x30},
                          Region{"current-tcb", 0x38},
                          Region{"platform-info", 0x40},
                          Region{"report-data", 0x50},
                          Region{"measurement", 0x90},
                          Region{"host-data", 0xC0},
                          Region{"id-key-digest", 0xE0},
                          Region{"author-key-digest", 0x110},
                          Region{"report-id", 0x140},
                          Region{"reported-tcb", 0x180},
                          Region{"chip-id", 0x1A0},
                          Region{"committed-tcb", 0x1E0},
                          Region{"launch-tcb", 0x1F0},
                          Region{"signature-r", 0x2A0},
                          Region{"signature-s", 0x2E8}}) {
    add({std::string("evidence.snp.flipped-") + r.name, kE,
         std::string("SEV-SNP report with one bit flipped in ") + r.name + " (offset " +
             std::to_string(r.offset) + ")",
         Service::kMaa, 400, kInvalid, false, false, SnpFlip(r.offset)});
  }
  add({"evidence.snp.truncated-report", kE, "SEV-SNP report one byte short (1183 bytes)",
       Service::kMaa, 400, kInvalid, false, false, [](ConformanceTarget& t) {
         maa::SevSnpVmRequest r = t.fx().snp_request;
         r.snp_report.pop_back();
         return Snp(r);
       }});
  add({"evidence.snp.vcek-of-another-chip", kE, "VCEK issued by the right ASK to another chip id",
       Service::kMaa, 400, kInvalid, false, false, [](ConformanceTarget& t) {
         maa::SevSnpVmRequest r = t.fx().snp_request;
         r.vcek_cert_chain = t.fx().vcek_other_chip_pem;
         return Snp(r);
       }});
  add({"evidence.snp.vcek-for-another-tcb", kE, "VCEK for this chip at another reported TCB",
       Service::kMaa, 400, kInvalid, false, false, [](ConformanceTarget& t) {
         maa::SevSnpVmRequest r = t.fx().snp_request;
         r.vcek_cert_chain = t.fx().vcek_other_tcb_pem;
         return Snp(r);
       }});
  add({"evidence.snp.wrong-amd-root", kE, "VCEK chain to an AMD root MAA does not trust",
       Service::kMaa, 400, kInvalid, false, false, [](ConformanceTarget& t) {
         maa::SevSnpVmRequest r = t.fx().snp_request;
         r.vcek_cert_chain = t.fx().foreign_root_chain_pem;
         return Snp(r);
       }});
  add({"evidence.snp.runtime-data-not-bound", kE,
       "runtime data (HCL runtime claims) whose SHA-256 is not the report's REPORT_DATA",
       Service::kMaa, 400, kInvalid, false, false, [](ConformanceTarget& t) {
         maa::SevSnpVmRequest r = t.fx().snp_request;
         r.runtime_data->data.push_back(' ');  // still the same JSON, another hash
         return Snp(r);
       }});
  add({"evidence.snp.stale-report-fresh-user-data", kE,
       "an old report sent with the runtime claims (user-data) of a newer one", Service::kMaa, 400,
       kInvalid, false, false, [](ConformanceTarget& t) {
         maa::SevSnpVmRequest r = t.fx().snp_request;
         r.runtime_data->data = t.fx().snp_fresh_runtime;
         return Snp(r);
       }});

  // === evidence: TD quote v4 (TdxVm), a flipped bit in each region (3.2-3.4) ===
  for (const Region& r : {Region{"header-qe-vendor-id", 0x0C}, Region{"header-user-data", 0x1C},
                          Region{"body-tee-tcb-svn", 0x30}, Region{"body-mr-seam", 0x40},
                          Region{"body-td-attributes", 0xA8}, Region{"body-mr-td", 0xB8},
                          Region{"body-mr-config-id", 0xE8}, Region{"body-rtmr0", 0x178},
                          Region{"body-report-data", 0x238}, Region{"quote-signature", 0x27C},
                          Region{"attestation-key", 0x2BC}, Region{"qe-report", 0x302},
                          Region{"qe-report-data", 0x442}, Region{"qe-report-signature", 0x482},
                          Region{"qe-auth-data", 0x4C4}}) {
    add({std::string("evidence.tdx.flipped-") + r.name, kE,
         std::string("TD quote with one bit flipped in ") + r.name + " (offset " +
             std::to_string(r.offset) + ")",
         Service::kMaa, 400, kInvalid, false, false, TdxFlip(r.offset)});
  }
  add({"evidence.tdx.flipped-pck-certificate", kE, "TD quote whose PCK certificate is altered",
       Service::kMaa, 400, kInvalid, false, false, [](ConformanceTarget& t) -> Result<Probe> {
         maa::TdxVmRequest r = t.fx().tdx_request;
         const std::string q = AsString(r.quote);  // a copy: AsString returns a temporary
         size_t end = q.find("-----END CERTIFICATE-----");
         if (end == std::string::npos) return NotFound("no PEM certificate in the quote");
         // A base64 character near the end of the PCK leaf: inside its signature's s, so the DER
         // stays well-formed and only the signature check can notice. 'A' <-> 'B' stays base64.
         size_t at = end - 1;
         for (int seen = 0; seen < 8; --at) {
           if (q[at] != '\n' && q[at] != '=') ++seen;
         }
         uint8_t& c = r.quote.at(at);
         c = c == 'A' ? 'B' : 'A';
         return Tdx(r);
       }});
  add({"evidence.tdx.truncated-quote", kE, "TD quote cut inside the signature data", Service::kMaa,
       400, kInvalid, false, false, [](ConformanceTarget& t) {
         maa::TdxVmRequest r = t.fx().tdx_request;
         r.quote.resize(0x300);
         return Tdx(r);
       }});
  add({"evidence.tdx.wrong-intel-root", kE,
       "TD quote (same REPORTDATA) from a platform whose PCK chain ends at another Intel root",
       Service::kMaa, 400, kInvalid, false, false, [](ConformanceTarget& t) {
         maa::TdxVmRequest r = t.fx().tdx_request;
         r.quote = t.fx().foreign_intel_quote;
         return Tdx(r);
       }});
  add({"evidence.tdx.runtime-data-not-bound", kE,
       "runtime data whose SHA-256 is not the quote's REPORTDATA", Service::kMaa, 400, kInvalid,
       false, false, [](ConformanceTarget& t) {
         maa::TdxVmRequest r = t.fx().tdx_request;
         r.runtime_data->data.push_back(' ');  // still the same JSON, another hash
         return Tdx(r);
       }});
  add({"evidence.tdx.stale-quote-fresh-user-data", kE,
       "an old quote sent with the runtime claims (user-data) of a newer report", Service::kMaa,
       400, kInvalid, false, false, [](ConformanceTarget& t) {
         maa::TdxVmRequest r = t.fx().tdx_request;
         r.runtime_data->data = t.fx().tdx_fresh_runtime;
         return Tdx(r);
       }});

  // === evidence: AzureGuest (TPM quote, AK, certified ephemeral key, isolation evidence) (1.4) ===
  struct Guest {
    const char* name;
    const char* what;
    std::function<void(maa::AttestationInfo&)> tamper;
  };
  auto flip_last = [](Bytes& b) { b.at(b.size() - 1) ^= 0x01; };
  auto flip_mid = [](Bytes& b) { b.at(b.size() / 2) ^= 0x01; };
  for (const Guest& g : std::vector<Guest>{
           {"flipped-pcr-quote", "TPMS_ATTEST of the PCR quote with its PCR digest altered",
            [&](maa::AttestationInfo& i) { flip_last(i.tpm.pcr_quote); }},
           {"flipped-pcr-quote-signature", "the AK's signature over the PCR quote altered",
            [&](maa::AttestationInfo& i) { flip_mid(i.tpm.pcr_signature); }},
           {"pcr-value-not-quoted", "a PCR value that differs from the quoted digest",
            [&](maa::AttestationInfo& i) { flip_last(i.tpm.pcrs.begin()->second); }},
           {"flipped-aik-certificate", "the AK certificate's signature altered",
            [&](maa::AttestationInfo& i) { flip_last(i.tpm.aik_cert); }},
           {"flipped-aik-public", "an AK public area that is not the certified one",
            [&](maa::AttestationInfo& i) { flip_last(i.tpm.aik_pub); }},
           {"flipped-enc-key-public", "an ephemeral key other than the certified one",
            [&](maa::AttestationInfo& i) { flip_last(i.tpm.enc_key_pub); }},
           {"flipped-enc-key-certify-info", "TPM2_Certify attestation of the ephemeral key altered",
            [&](maa::AttestationInfo& i) { flip_mid(i.tpm.enc_key_certify_info); }},
           {"flipped-enc-key-certify-signature", "the AK's signature over the certify info altered",
            [&](maa::AttestationInfo& i) { flip_mid(i.tpm.enc_key_certify_info_signature); }},
           {"flipped-snp-report",
            "the isolation evidence's SNP report with its measurement altered",
            [&](maa::AttestationInfo& i) { i.isolation.snp_report.at(0x90) ^= 0x01; }},
           {"runtime-data-not-bound", "isolation runtime data the SNP report does not bind",
            [&](maa::AttestationInfo& i) { i.isolation.runtime_data.push_back(' '); }},
       }) {
    add({std::string("evidence.azureguest.") + g.name, kE, std::string("AzureGuest: ") + g.what,
         Service::kMaa, 400, kInvalid, false, false,
         [tamper = g.tamper](ConformanceTarget& t) -> Result<Probe> {
           maa::AttestationInfo info = t.fx().azure_guest_info;
           tamper(info);
           return Probe{"POST", kMaaAzureGuestPath, {}, maa::EncodeAzureGuestRequest(info)};
         }});
  }

  // === maa: attestation policy (draftPolicyForAttestation) and API refusals ===
  add({"maa.policy.tcb-below-floor-snp-firmware", kM,
       "authentic evidence whose SNP firmware SVN is below the policy's floor", Service::kMaa, 400,
       "PolicyEvaluationError", false, false, [](ConformanceTarget& t) {
         return SnpDraft(
             "version=1.0; authorizationrules { c:[type==\"x-ms-sevsnpvm-snpfw-svn\", "
             "value>=" +
             std::to_string(t.fx().snp_fw_svn + 1) + "] => permit(); };")(t);
       }});
  add({"maa.policy.tcb-below-floor-microcode", kM,
       "authentic evidence whose microcode SVN is below the policy's floor", Service::kMaa, 400,
       "PolicyEvaluationError", false, false, [](ConformanceTarget& t) {
         return SnpDraft(
             "version=1.0; authorizationrules { c:[type==\"x-ms-sevsnpvm-microcode-svn\", "
             "value>=" +
             std::to_string(t.fx().snp_microcode_svn + 1) + "] => permit(); };")(t);
       }});
  add({"maa.policy.debuggable-guest", kM,
       "a debuggable SEV-SNP guest against a policy that permits only non-debuggable ones",
       Service::kMaa, 400, "PolicyEvaluationError", false, false,
       SnpDraft("version=1.0; authorizationrules { c:[type==\"x-ms-sevsnpvm-is-debuggable\", "
                "value==false] => permit(); };",
                /*debug=*/true)});
  add({"maa.policy.measurement-mismatch", kM,
       "a launch measurement other than the one the policy permits (the real one with one "
       "digit changed)",
       Service::kMaa, 400, "PolicyEvaluationError", false, false, [](ConformanceTarget& t) {
         const Bytes& report = t.fx().snp_request.snp_report;
         std::string expected = encoding::HexEncode(ByteView(report).subspan(0x90, 48));
         expected[0] = expected[0] == '0' ? '1' : '0';
         return SnpDraft(
             "version=1.0; authorizationrules { "
             "c:[type==\"x-ms-sevsnpvm-launchmeasurement\", value==\"" +
             expected + "\"] => permit(); };")(t);
       }});
  add({"maa.policy.deny-rule", kM, "a policy whose matching rule is deny()", Service::kMaa, 400,
       "PolicyEvaluationError", false, false,
       SnpDraft("version=1.0; authorizationrules { c:[type==\"x-ms-attestation-type\"] => deny(); "
                "=> permit(); };")});
  add({"maa.policy.syntax-error", kM, "a draft policy that does not parse", Service::kMaa, 400,
       "PolicyParsingError", false, false,
       SnpDraft("version=1.0; authorizationrules { => permit( };")});
  add({"maa.request.malformed-json", kM, "a body that is not JSON", Service::kMaa, 400, kInvalid,
       true, false, MaaRaw("POST", kMaaSevSnpVmPath, "{\"report\": ")});
  add({"maa.request.body-not-object", kM, "a JSON array instead of the request object",
       Service::kMaa, 400, kInvalid, true, false, MaaRaw("POST", kMaaSevSnpVmPath, "[]")});
  add({"maa.request.report-not-base64url", kM, "a report that is not base64url", Service::kMaa, 400,
       kInvalid, true, false,
       MaaRaw("POST", kMaaSevSnpVmPath, R"({"report":"!!!not base64!!!"})")});
  add({"maa.request.empty-quote", kM, "a TdxVm request without a quote", Service::kMaa, 400,
       kInvalid, true, false, MaaRaw("POST", kMaaTdxVmPath, R"({"quote":""})")});
  add({"maa.request.missing-api-version", kM, "no api-version query parameter", Service::kMaa, 400,
       "MissingApiVersionParameter", true, false,
       MaaRaw("POST", "/attest/SevSnpVm", R"({"report":""})")});
  add({"maa.request.unknown-api-version", kM, "an api-version the service does not serve",
       Service::kMaa, 400, "InvalidApiVersionParameter", true, false,
       MaaRaw("POST", "/attest/SevSnpVm?api-version=1999-01-01", R"({"report":""})")});
  add({"maa.request.unknown-attestation-type", kM, "POST /attest/NoSuchTee", Service::kMaa, 404,
       "NotFound", true, false, MaaRaw("POST", "/attest/NoSuchTee?api-version=2022-08-01", "{}")});
  add({"maa.request.get-on-attest", kM, "GET on an attestation endpoint", Service::kMaa, 405,
       "MethodNotAllowed", true, false, MaaRaw("GET", kMaaSevSnpVmPath, "")});
  add({"maa.request.oversized", kM, "a 2 MiB request body", Service::kMaa, 413,
       "RequestEntityTooLarge", true, false,
       MaaRaw("POST", kMaaSevSnpVmPath, "{\"report\":\"" + std::string(2 << 20, 'A') + "\"}")});

  // === keyvault: the caller's bearer token (4.3, 4.6) ===
  add({"keyvault.bearer.missing", kK, "release without an Authorization header", Service::kVault,
       401, "Unauthorized", true, false, WithBearer([](ConformanceTarget&) -> Result<std::string> {
         return std::string("<none>");
       })});
  add({"keyvault.bearer.wrong-scheme", kK, "Authorization: Basic instead of Bearer",
       Service::kVault, 401, "Unauthorized", true, false,
       WithBearer([](ConformanceTarget&) -> Result<std::string> {
         return std::string("Basic dXNlcjpwYXNz");
       })});
  add({"keyvault.bearer.malformed", kK, "a bearer token that is not a JWT", Service::kVault, 401,
       "Unauthorized", true, false, WithBearer([](ConformanceTarget&) -> Result<std::string> {
         return std::string("Bearer not-a-jwt");
       })});
  add({"keyvault.bearer.untrusted-tenant", kK,
       "a bearer token signed by an issuer of another tenant", Service::kVault, 401, "Unauthorized",
       true, false, WithBearer([](ConformanceTarget& t) -> Result<std::string> {
         const Bytes seed = ToBytes(AsBytes("conformance: another tenant"));
         SKR_ASSIGN_OR_RETURN(auto other, emulator::imds::EntraIssuer::Create(
                                              seed, emulator::imds::DeriveGuid(seed, "tenant")));
         SKR_ASSIGN_OR_RETURN(
             std::string tok,
             other.Sign(other.Claims(t.fx().caller, mock_kv::kVaultAudience, t.fx().now, 3600)));
         return "Bearer " + tok;
       })});
  add({"keyvault.bearer.alg-none", kK, "an unsigned (alg none) bearer token", Service::kVault, 401,
       "Unauthorized", true, false, WithBearer([](ConformanceTarget& t) -> Result<std::string> {
         json claims = t.entra().Claims(t.fx().caller, mock_kv::kVaultAudience, t.fx().now, 3600);
         return "Bearer " + Segment({{"typ", "JWT"}, {"alg", "none"}}) + "." + Segment(claims) +
                ".";
       })});
  add({"keyvault.bearer.wrong-audience", kK, "a bearer token for https://management.azure.com",
       Service::kVault, 401, "Unauthorized", false, false,
       WithBearer([](ConformanceTarget& t) -> Result<std::string> {
         SKR_ASSIGN_OR_RETURN(std::string tok,
                              t.Bearer(t.fx().caller, "https://management.azure.com", 0, 3600));
         return "Bearer " + tok;
       })});
  add({"keyvault.bearer.expired", kK,
       "a bearer token that expired 10 minutes ago (beyond the 5 minute skew)", Service::kVault,
       401, "Unauthorized", false, false,
       WithBearer([](ConformanceTarget& t) -> Result<std::string> {
         SKR_ASSIGN_OR_RETURN(std::string tok,
                              t.Bearer(t.fx().caller, mock_kv::kVaultAudience, -4200, 3600));
         return "Bearer " + tok;
       })});
  add({"keyvault.bearer.not-yet-valid", kK,
       "a bearer token valid from 15 minutes in the future (clock skew beyond 5 minutes)",
       Service::kVault, 401, "Unauthorized", false, false,
       WithBearer([](ConformanceTarget& t) -> Result<std::string> {
         // Claims() back-dates nbf by 300 s: +1200 puts nbf 15 minutes ahead.
         SKR_ASSIGN_OR_RETURN(std::string tok,
                              t.Bearer(t.fx().caller, mock_kv::kVaultAudience, 1200, 3600));
         return "Bearer " + tok;
       })});
  add({"keyvault.bearer.bad-signature", kK, "the caller's bearer token with its payload altered",
       Service::kVault, 401, "Unauthorized", false, false,
       WithBearer([](ConformanceTarget& t) -> Result<std::string> {
         SKR_ASSIGN_OR_RETURN(std::string tok,
                              t.Bearer(t.fx().caller, mock_kv::kVaultAudience, 0, 3600));
         SKR_ASSIGN_OR_RETURN(Jwt j, SplitJwt(tok));
         j.payload["oid"] = t.fx().get_only.object_id;
         return "Bearer " + Segment(j.header) + "." + Segment(j.payload) + "." + j.signature;
       })});

  // === keyvault: permissions and keys ===
  add({"keyvault.permission.no-access-policy", kK,
       "a caller of the tenant with no access policy on the vault", Service::kVault, 403,
       "Forbidden", false, false, WithBearer([](ConformanceTarget& t) -> Result<std::string> {
         SKR_ASSIGN_OR_RETURN(std::string tok,
                              t.Bearer(t.fx().stranger, mock_kv::kVaultAudience, 0, 3600));
         return "Bearer " + tok;
       })});
  add({"keyvault.permission.get-without-release", kK, "a caller with keys/get but not keys/release",
       Service::kVault, 403, "Forbidden", false, false,
       WithBearer([](ConformanceTarget& t) -> Result<std::string> {
         SKR_ASSIGN_OR_RETURN(std::string tok,
                              t.Bearer(t.fx().get_only, mock_kv::kVaultAudience, 0, 3600));
         return "Bearer " + tok;
       })});
  add({"keyvault.key.unknown", kK, "release of a key that does not exist", Service::kVault, 404,
       "KeyNotFound", true, true, [](ConformanceTarget& t) -> Result<Probe> {
         return Release(t, kAbsentKey, Target(t.live() ? "x.y.z" : t.fx().snp_token));
       }});
  add({"keyvault.key.unknown-version", kK, "release of a version the key does not have",
       Service::kVault, 404, "KeyNotFound", false, false,
       [](ConformanceTarget& t) -> Result<Probe> {
         Probe p = Release(t, kKeySnp, Target(t.fx().snp_token));
         p.path = ReleasePath(kKeySnp, "00000000000000000000000000000000");
         return p;
       }});
  add({"keyvault.key.non-exportable", kK, "release of a key created without exportable",
       Service::kVault, 403, "Forbidden", false, false,
       WithToken([](ConformanceTarget& t) -> Result<std::string> { return t.fx().snp_token; },
                 kKeyNonExportable)});
  add({"keyvault.key.disabled", kK, "release of a disabled key", Service::kVault, 403, "Forbidden",
       false, false,
       WithToken([](ConformanceTarget& t) -> Result<std::string> { return t.fx().snp_token; },
                 kKeyDisabled)});

  // === keyvault: the release request body and query (4.3) ===
  add({"keyvault.request.malformed-json", kK, "a release body that is not JSON", Service::kVault,
       400, "BadParameter", true, true, WithBody(kAbsentKey, "{\"target\": ")});
  add({"keyvault.request.body-not-object", kK, "a JSON array as the release body", Service::kVault,
       400, "BadParameter", true, true, WithBody(kAbsentKey, "[1]")});
  add({"keyvault.request.missing-target", kK, "a release body without target", Service::kVault, 400,
       "BadParameter", false, false, WithBody(kKeySnp, R"({"enc":"RSA_AES_KEY_WRAP_256"})")});
  add({"keyvault.request.empty-target", kK, "target \"\" (minLength 1)", Service::kVault, 400,
       "BadParameter", false, false, WithBody(kKeySnp, R"({"target":""})")});
  add({"keyvault.request.target-not-a-string", kK, "target given as a number", Service::kVault, 400,
       "BadParameter", false, false, WithBody(kKeySnp, R"({"target":42})")});
  add({"keyvault.request.unknown-enc", kK, "enc outside the three key-wrap algorithms",
       Service::kVault, 400, "BadParameter", false, false,
       [](ConformanceTarget& t) -> Result<Probe> {
         return Release(t, kKeySnp, {{"target", t.fx().snp_token}, {"enc", "RSA-OAEP"}});
       }});
  add({"keyvault.request.target-not-a-jwt", kK, "a target that is not a compact JWS",
       Service::kVault, 400, "BadParameter", false, false,
       WithToken(
           [](ConformanceTarget&) -> Result<std::string> { return std::string("not-a-token"); })});
  add({"keyvault.request.missing-api-version", kK, "no api-version query parameter",
       Service::kVault, 400, "BadParameter", true, true, [](ConformanceTarget& t) {
         Probe p = Release(t, kAbsentKey, Target("x.y.z"));
         p.path = std::string("/keys/") + kAbsentKey + "/release";
         return Result<Probe>(p);
       }});
  add({"keyvault.request.api-version-without-release", kK,
       "api-version 7.2, which predates key release", Service::kVault, 400, "BadParameter", true,
       true, [](ConformanceTarget& t) {
         Probe p = Release(t, kAbsentKey, Target("x.y.z"));
         p.path = std::string("/keys/") + kAbsentKey + "/release?api-version=7.2";
         return Result<Probe>(p);
       }});
  add({"keyvault.request.oversized", kK, "a 2 MiB release body", Service::kVault, 413,
       "RequestEntityTooLarge", true, true,
       WithBody(kAbsentKey, "{\"target\":\"" + std::string(2 << 20, 'A') + "\"}")});

  // === keyvault: the attestation token (target) (4.2) ===
  auto fx_token = [](std::string EmulatedFixtures::*member) {
    return [member](ConformanceTarget& t) -> Result<std::string> { return t.fx().*member; };
  };
  add({"keyvault.token.expired", kK,
       "an MAA token that expired 2 minutes ago (beyond the 60 s leeway)", Service::kVault, 403,
       "Forbidden", false, false, WithToken(fx_token(&EmulatedFixtures::expired_token))});
  add({"keyvault.token.not-yet-valid", kK,
       "an MAA token issued 2 minutes in the future (issuer clock ahead beyond the leeway)",
       Service::kVault, 403, "Forbidden", false, false,
       WithToken(fx_token(&EmulatedFixtures::future_token))});
  // An unsecured JWS has an empty signature segment (RFC 7515 A.5): mock-kv refuses it as not a
  // compact JWS (400); with a signature segment kept, "none" is refused as unverifiable (403).
  // Real Key Vault's answer to either is UNCONFIRMED (skr-protocol.md 8).
  add({"keyvault.token.alg-none", kK,
       "the unsigned (alg none, empty signature) token MAA issues under a draft policy",
       Service::kVault, 400, "BadParameter", false, false,
       WithToken(fx_token(&EmulatedFixtures::unsigned_token))});
  add({"keyvault.token.alg-none-with-signature", kK,
       "MAA's signed token with its header changed to alg none", Service::kVault, 403, "Forbidden",
       false, false, WithToken([](ConformanceTarget& t) -> Result<std::string> {
         SKR_ASSIGN_OR_RETURN(Jwt j, SplitJwt(t.fx().snp_token));
         j.header["alg"] = "none";
         return Segment(j.header) + "." + Segment(j.payload) + "." + j.signature;
       })});
  add({"keyvault.token.wrong-signature", kK, "MAA's claims and header re-signed by another RSA key",
       Service::kVault, 403, "Forbidden", false, false,
       WithToken([](ConformanceTarget& t) -> Result<std::string> {
         SKR_ASSIGN_OR_RETURN(Jwt j, SplitJwt(t.fx().snp_token));
         return Resign(j.header, j.payload);
       })});
  add({"keyvault.token.payload-altered", kK,
       "MAA's token with x-ms-sevsnpvm-is-debuggable edited and the original signature",
       Service::kVault, 403, "Forbidden", false, false,
       WithToken([](ConformanceTarget& t) -> Result<std::string> {
         SKR_ASSIGN_OR_RETURN(Jwt j, SplitJwt(t.fx().debug_token));
         j.payload["x-ms-sevsnpvm-is-debuggable"] = false;
         return Segment(j.header) + "." + Segment(j.payload) + "." + j.signature;
       })});
  add({"keyvault.token.hs256-alg-confusion", kK,
       "HS256 keyed with MAA's public signing certificate (algorithm confusion)", Service::kVault,
       403, "Forbidden", false, false, WithToken([](ConformanceTarget& t) -> Result<std::string> {
         SKR_ASSIGN_OR_RETURN(Jwt j, SplitJwt(t.fx().snp_token));
         j.header["alg"] = "HS256";
         const std::string input = Segment(j.header) + "." + Segment(j.payload);
         const std::string key = t.stack()->maa_ca_pem();
         Bytes mac(32);
         size_t n = 0;
         if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                        reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                        mac.data(), mac.size(), &n)) {
           return Internal("HMAC-SHA256 failed");
         }
         return input + "." + encoding::Base64UrlEncode(mac);
       })});
  add({"keyvault.token.unknown-kid", kK, "a kid the issuer's JWKS does not have", Service::kVault,
       403, "Forbidden", false, false, WithToken([](ConformanceTarget& t) -> Result<std::string> {
         SKR_ASSIGN_OR_RETURN(Jwt j, SplitJwt(t.fx().snp_token));
         j.header["kid"] = "bm90LWEta2lk";
         return Resign(j.header, j.payload);
       })});
  add({"keyvault.token.untrusted-issuer", kK,
       "a well-formed token from an issuer the vault does not trust", Service::kVault, 403,
       "Forbidden", false, false, WithToken([](ConformanceTarget& t) -> Result<std::string> {
         SKR_ASSIGN_OR_RETURN(Jwt j, SplitJwt(t.fx().snp_token));
         j.payload["iss"] = "https://attacker.attest.example";
         j.header["jku"] = "https://attacker.attest.example/certs";
         return Resign(j.header, j.payload);
       })});

  // === keyvault: the release policy (4.2) ===
  add({"keyvault.policy.wrong-isolation-type", kK,
       "an SEV-SNP token for a key whose policy requires tdxvm", Service::kVault, 403, "Forbidden",
       false, false, WithToken(fx_token(&EmulatedFixtures::snp_token), kKeyTdxOnly)});
  add({"keyvault.policy.tdx-token-for-snp-key", kK,
       "a TDX token for a key whose policy requires sevsnpvm", Service::kVault, 403, "Forbidden",
       false, false, WithToken(fx_token(&EmulatedFixtures::tdx_token), kKeySnp)});
  add({"keyvault.policy.debuggable-guest", kK,
       "a debuggable SEV-SNP guest's token for a not-debuggable policy", Service::kVault, 403,
       "Forbidden", false, false, WithToken(fx_token(&EmulatedFixtures::debug_token), kKeySnp)});
  add({"keyvault.policy.wrong-authority", kK,
       "a token from this MAA for a key whose policy names another authority", Service::kVault, 403,
       "Forbidden", false, false,
       WithToken(fx_token(&EmulatedFixtures::snp_token), kKeyOtherAuthority)});
  add({"keyvault.policy.host-data-mismatch", kK,
       "a token whose x-ms-sevsnpvm-hostdata differs from the policy's", Service::kVault, 403,
       "Forbidden", false, false, WithToken(fx_token(&EmulatedFixtures::snp_token), kKeyHostData)});
  return m;
}

}  // namespace

const std::vector<NegativeCase>& NegativeMatrix() {
  static const std::vector<NegativeCase> m = BuildMatrix();
  return m;
}

CheckResult RunNegativeCase(const NegativeCase& c, ConformanceTarget& t) {
  if (t.live()) {
    if (!c.live_safe) {
      return CheckResult::Skip(
          "needs the emulated stack (evidence, tokens or keys the target trusts); not sent in "
          "live mode");
    }
    if (c.service == Service::kMaa && t.endpoints().maa_url.empty()) {
      return CheckResult::Skip("set SKR_MAA_URL (and SKR_CA_BUNDLE if needed) to run it");
    }
    if (c.service == Service::kVault && t.endpoints().vault_url.empty()) {
      return CheckResult::Skip("set SKR_VAULT_URL to run it");
    }
    if (c.needs_bearer && t.endpoints().vault_bearer.empty()) {
      return CheckResult::Skip("set SKR_KV_BEARER_TOKEN (an Entra token for the vault) to run it");
    }
  }
  auto probe = c.build(t);
  if (!probe.ok()) return CheckResult::Fail("building the request: " + probe.error().ToString());
  auto client = c.service == Service::kMaa ? t.MaaClient() : t.VaultClient();
  if (!client.ok()) return CheckResult::Fail(client.error().ToString());
  auto r =
      client->Request(probe->method, probe->path, probe->headers, probe->body, probe->content_type);
  if (!r.ok()) return CheckResult::Fail("no response: " + r.error().ToString());
  const std::string service = c.service == Service::kMaa ? "MAA" : "Key Vault";
  const std::string body_head = r->body.substr(0, 300);
  json body = json::parse(r->body, nullptr, false);
  // Nothing released: no token from MAA, no key (JWS "value") from Key Vault.
  const char* released = c.service == Service::kMaa ? "token" : "value";
  if (body.is_object() && body.contains(released)) {
    return CheckResult::Fail(service + " RELEASED \"" + released + "\" (HTTP " +
                             std::to_string(r->status) + ")");
  }
  if (r->status != c.status) {
    return CheckResult::Fail(service + " answered HTTP " + std::to_string(r->status) +
                             ", expected " + std::to_string(c.status) + ": " + body_head);
  }
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) {
    return CheckResult::Fail(service + " error body is not {\"error\":{...}}: " + body_head);
  }
  const json& e = body["error"];
  const std::string code = e.value("code", json()).is_string() ? e["code"].get<std::string>() : "";
  if (code != c.code) {
    return CheckResult::Fail(service + " error code \"" + code + "\", expected \"" + c.code +
                             "\": " + body_head);
  }
  if (!e.contains("message") || !e["message"].is_string() ||
      e["message"].get<std::string>().empty()) {
    return CheckResult::Fail(service + " error has no message: " + body_head);
  }
  return CheckResult::Pass(std::to_string(r->status) + " " + code + ": " +
                           e["message"].get<std::string>().substr(0, 200));
}

std::vector<Check> NegativeMatrixChecks() {
  std::vector<Check> out;
  for (const NegativeCase& c : NegativeMatrix()) {
    out.push_back(
        {c.id, c.category,
         c.description + " -> " + std::to_string(c.status) + " " + c.code + ", nothing released",
         [&c](ConformanceTarget& t) { return RunNegativeCase(c, t); }});
  }
  return out;
}

}  // namespace skr::harness
