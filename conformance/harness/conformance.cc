#include "conformance/harness/conformance.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <ostream>

#include "client/guest_tpm.h"
#include "client/skr_client.h"
#include "conformance/harness/negative_matrix.h"
#include "libskr/base/files.h"
#include "libskr/hcl/verify.h"
#include "libskr/x509/certificate.h"

namespace skr::harness {
namespace {

using nlohmann::json;

CheckResult FromResult(const Result<std::string>& r) {
  return r.ok() ? CheckResult::Pass(*r) : CheckResult::Fail(r.error().ToString());
}

// A client on CVM `cvm` of the emulated stack, or on the live TPM / IMDS / MAA / vault.
Result<std::unique_ptr<client::SkrClient>> ClientFor(ConformanceTarget& t, size_t cvm) {
  if (!t.live()) return client::SkrClient::Create(t.stack()->ClientOptions(t.stack()->cvm(cvm)));
  client::SkrClientOptions o;
  const LiveEndpoints& e = t.endpoints();
  o.tcti = e.tcti;
  if (!e.imds_url.empty()) o.imds.url = e.imds_url;
  o.maa = {e.maa_url, t.ca_bundle_pem()};
  o.vault = {e.vault_url, t.ca_bundle_pem()};
  return client::SkrClient::Create(std::move(o));
}

std::optional<CheckResult> EmulatedOnly(ConformanceTarget& t) {
  if (t.live()) {
    return CheckResult::Skip(
        "emulated stack only (it creates keys or needs evidence the target "
        "trusts); not run in live mode");
  }
  return std::nullopt;
}

std::optional<CheckResult> NeedTpm(ConformanceTarget& t) {
  if (t.live() && t.endpoints().tcti.empty()) {
    return CheckResult::Skip("set SKR_TCTI (e.g. device:/dev/tpmrm0 on a CVM) to run it");
  }
  return std::nullopt;
}

std::optional<CheckResult> NeedMaa(ConformanceTarget& t) {
  if (t.live() && t.endpoints().maa_url.empty()) {
    return CheckResult::Skip("set SKR_MAA_URL (e.g. https://sharedeus.eus.attest.azure.net)");
  }
  return std::nullopt;
}

// POSTs MAA evidence and checks a token with the attestation type comes back.
Result<std::string> AttestDirect(ConformanceTarget& t, const std::string& path,
                                 const std::string& body, const std::string& type) {
  SKR_ASSIGN_OR_RETURN(http::Client c, t.MaaClient());
  SKR_ASSIGN_OR_RETURN(http::Response r, c.Post(path, {}, body));
  if (r.status != 200) {
    return VerificationFailed("HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300));
  }
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j["token"].is_string()) return Malformed("no token: " + r.body);
  SKR_ASSIGN_OR_RETURN(json claims, client::UnverifiedJwtClaims(j["token"].get<std::string>()));
  if (claims.value("x-ms-attestation-type", "") != type) {
    return VerificationFailed("x-ms-attestation-type is " +
                              claims.value("x-ms-attestation-type", json()).dump() + ", expected " +
                              type);
  }
  return "200, token with x-ms-attestation-type " + type;
}

// Releases `key` with `token` through the REST API and expects the JWS.
Result<std::string> ReleaseDirect(ConformanceTarget& t, const std::string& key,
                                  const std::string& token) {
  SKR_ASSIGN_OR_RETURN(http::Client c, t.VaultClient());
  SKR_ASSIGN_OR_RETURN(http::Response r,
                       c.Post("/keys/" + key + "/release?api-version=7.4",
                              {{"Authorization", "Bearer " + t.vault_bearer()}},
                              json{{"target", token}, {"enc", "RSA_AES_KEY_WRAP_256"}}.dump()));
  json j = json::parse(r.body, nullptr, false);
  if (r.status != 200 || !j.is_object() || !j["value"].is_string()) {
    return VerificationFailed("HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300));
  }
  return "200, released (JWS of " + std::to_string(j["value"].get<std::string>().size()) +
         " characters)";
}

Result<std::string> AzureGuestRelease(ConformanceTarget& t, size_t cvm,
                                      const std::string& isolation, const std::string& key_name) {
  EmulatedStack& s = *t.stack();
  SKR_ASSIGN_OR_RETURN(VaultKey key, s.CreateExportableKey(key_name, "RSA-HSM", 2048,
                                                           s.ReleasePolicyFor(isolation)));
  SKR_ASSIGN_OR_RETURN(auto c, ClientFor(t, cvm));
  client::AttestOptions ao;
  ao.nonce = "conformance";
  SKR_ASSIGN_OR_RETURN(client::Attestation a, c->Attest(ao));
  SKR_ASSIGN_OR_RETURN(client::ReleasedKey k,
                       c->ReleaseKey(a, key.kid, kv::KeyWrapAlgorithm::kRsaAesKeyWrap256));
  SKR_ASSIGN_OR_RETURN(Bytes vault, s.vault().ExportKeyMaterial(key_name));
  if (vault != k.key_material) {
    return VerificationFailed("the unwrapped key differs from the vault's key material");
  }
  return "released " + k.kid + ", " + std::to_string(k.key_material.size()) +
         " bytes of PKCS#8 identical to the vault's";
}

}  // namespace

std::vector<Check> PositiveChecks() {
  using C = CheckCategory;
  std::vector<Check> v;
  v.push_back({"client.tpm.hcl-report", C::kClient,
               "the vTPM's HCL report (NV 0x01400001) parses and its hardware report binds the "
               "runtime claims (read-only; live with SKR_TCTI)",
               [](ConformanceTarget& t) {
                 if (auto s = NeedTpm(t)) return *s;
                 return FromResult([&]() -> Result<std::string> {
                   const std::string tcti =
                       t.live() ? t.endpoints().tcti : t.stack()->cvm(0).tcti();
                   SKR_ASSIGN_OR_RETURN(auto tpm, client::GuestTpm::Open(tcti));
                   SKR_ASSIGN_OR_RETURN(Bytes raw, tpm->ReadHclReport());
                   SKR_ASSIGN_OR_RETURN(hcl::HclReport r, hcl::ParseHclReport(raw));
                   SKR_RETURN_IF_ERROR(hcl::VerifyRuntimeClaimsBinding(r));
                   return std::string(hcl::ReportTypeName(r.report_type)) +
                          " report; REPORT_DATA binds the runtime claims";
                 }());
               }});
  v.push_back({"client.tpm.ak-certificate", C::kClient,
               "the AK certificate (NV 0x01C101D0) certifies the AK at 0x81000003 (read-only; "
               "live with SKR_TCTI)",
               [](ConformanceTarget& t) {
                 if (auto s = NeedTpm(t)) return *s;
                 return FromResult([&]() -> Result<std::string> {
                   const std::string tcti =
                       t.live() ? t.endpoints().tcti : t.stack()->cvm(0).tcti();
                   SKR_ASSIGN_OR_RETURN(auto tpm, client::GuestTpm::Open(tcti));
                   SKR_ASSIGN_OR_RETURN(Bytes der, tpm->ReadAkCert());
                   SKR_ASSIGN_OR_RETURN(x509::Certificate cert, x509::CertificateFromDer(der));
                   SKR_ASSIGN_OR_RETURN(tpm::KeyPublic ak, tpm->ReadAkPublic());
                   auto rsa = cert.public_key().Rsa();
                   if (!rsa || rsa->n != ak.rsa_modulus) {
                     return VerificationFailed("the AK certificate's key (" + cert.subject() +
                                               ") is not the AK's public key");
                   }
                   return "AK certificate " + cert.subject() + " matches the AK";
                 }());
               }});
  v.push_back({"maa.metadata.openid-configuration", C::kMaa,
               "MAA serves OIDC metadata and a JWKS whose keys carry kid, kty and x5c (read-only; "
               "live with SKR_MAA_URL)",
               [](ConformanceTarget& t) {
                 if (auto s = NeedMaa(t)) return *s;
                 return FromResult([&]() -> Result<std::string> {
                   SKR_ASSIGN_OR_RETURN(http::Client c, t.MaaClient());
                   SKR_ASSIGN_OR_RETURN(http::Response m,
                                        c.Get("/.well-known/openid-configuration"));
                   json meta = json::parse(m.body, nullptr, false);
                   if (m.status != 200 || !meta.is_object() || !meta["issuer"].is_string() ||
                       !meta["jwks_uri"].is_string()) {
                     return VerificationFailed("metadata: HTTP " + std::to_string(m.status) + " " +
                                               m.body.substr(0, 200));
                   }
                   SKR_ASSIGN_OR_RETURN(http::Response k, c.Get("/certs"));
                   json jwks = json::parse(k.body, nullptr, false);
                   if (k.status != 200 || !jwks.is_object() || !jwks["keys"].is_array() ||
                       jwks["keys"].empty()) {
                     return VerificationFailed("/certs: HTTP " + std::to_string(k.status));
                   }
                   for (const json& key : jwks["keys"]) {
                     for (const char* f : {"kid", "kty", "x5c"}) {
                       if (!key.contains(f))
                         return VerificationFailed(std::string("a JWK has no ") + f);
                     }
                   }
                   return "issuer " + meta["issuer"].get<std::string>() + ", " +
                          std::to_string(jwks["keys"].size()) + " signing key(s)";
                 }());
               }});
  v.push_back(
      {"maa.attest.sevsnpvm-authentic-evidence", C::kMaa,
       "SevSnpVm: the emulated CVM's evidence, untampered, gets a token", [](ConformanceTarget& t) {
         if (auto s = EmulatedOnly(t)) return *s;
         return FromResult(AttestDirect(
             t, kMaaSevSnpVmPath, maa::EncodeSevSnpVmRequest(t.fx().snp_request), "sevsnpvm"));
       }});
  v.push_back({"maa.attest.tdxvm-authentic-evidence", C::kMaa,
               "TdxVm: the emulated CVM's quote, untampered, gets a token",
               [](ConformanceTarget& t) {
                 if (auto s = EmulatedOnly(t)) return *s;
                 return FromResult(AttestDirect(
                     t, kMaaTdxVmPath, maa::EncodeTdxVmRequest(t.fx().tdx_request), "tdxvm"));
               }});
  v.push_back({"maa.attest.azureguest-authentic-evidence", C::kMaa,
               "AzureGuest: the client's evidence, untampered, gets a sealed token",
               [](ConformanceTarget& t) {
                 if (auto s = EmulatedOnly(t)) return *s;
                 return FromResult([&]() -> Result<std::string> {
                   SKR_ASSIGN_OR_RETURN(http::Client c, t.MaaClient());
                   SKR_ASSIGN_OR_RETURN(
                       http::Response r,
                       c.Post(kMaaAzureGuestPath, {},
                              maa::EncodeAzureGuestRequest(t.fx().azure_guest_info)));
                   json j = json::parse(r.body, nullptr, false);
                   if (r.status != 200 || !j.is_object() || !j["token"].is_string()) {
                     return VerificationFailed("HTTP " + std::to_string(r.status) + ": " +
                                               r.body.substr(0, 300));
                   }
                   return std::string("200, sealed token");
                 }());
               }});
  struct Control {
    const char* id;
    const char* what;
    std::string EmulatedFixtures::*token;
  };
  for (const Control& c : {Control{"keyvault.release.control",
                                   "the valid SevSnpVm token releases conf-snp (the "
                                   "control every keyvault negative varies one thing of)",
                                   &EmulatedFixtures::snp_token},
                           Control{"keyvault.release.token-expired-within-leeway",
                                   "a token expired 30 s ago is accepted (leeway 60 s)",
                                   &EmulatedFixtures::within_leeway_past},
                           Control{"keyvault.release.token-future-within-leeway",
                                   "a token issued 30 s in the future is accepted (leeway 60 s)",
                                   &EmulatedFixtures::within_leeway_future}}) {
    v.push_back({c.id, C::kKeyVault, c.what, [c](ConformanceTarget& t) {
                   if (auto s = EmulatedOnly(t)) return *s;
                   return FromResult(ReleaseDirect(t, kKeySnp, t.fx().*c.token));
                 }});
  }
  struct PlatformFlow {
    const char* id;
    const char* what;
    size_t cvm;
    client::AttestationFlow flow;
    const char* type;
  };
  for (const PlatformFlow& p :
       {PlatformFlow{"client.attest.sevsnpvm-flow",
                     "the client's SevSnpVm flow (HCL report, VCEK chain from THIM) gets a token",
                     0, client::AttestationFlow::kSevSnpVm, "sevsnpvm"},
        PlatformFlow{"client.attest.tdxvm-flow",
                     "the client's TdxVm flow (TD quote from IMDS) gets a token", 1,
                     client::AttestationFlow::kTdxVm, "tdxvm"}}) {
    v.push_back({p.id, C::kClient, p.what, [p](ConformanceTarget& t) {
                   if (auto s = EmulatedOnly(t)) return *s;
                   return FromResult([&]() -> Result<std::string> {
                     SKR_ASSIGN_OR_RETURN(auto c, ClientFor(t, p.cvm));
                     client::AttestOptions ao;
                     ao.flow = p.flow;
                     SKR_ASSIGN_OR_RETURN(client::Attestation a, c->Attest(ao));
                     if (a.claims.value("x-ms-attestation-type", "") != p.type) {
                       return VerificationFailed(std::string("not a ") + p.type + " token");
                     }
                     return std::string(p.type) + " token";
                   }());
                 }});
  }
  v.push_back({"client.attest.azure-guest-live", C::kClient,
               "live only: the AzureGuest flow on a real CVM against a real MAA (creates "
               "nothing); emulated: covered by end-to-end.*",
               [](ConformanceTarget& t) {
                 if (!t.live()) return CheckResult::Skip("live mode only (end-to-end.* cover it)");
                 if (auto s = NeedTpm(t)) return *s;
                 if (auto s = NeedMaa(t)) return *s;
                 return FromResult([&]() -> Result<std::string> {
                   SKR_ASSIGN_OR_RETURN(auto c, ClientFor(t, 0));
                   SKR_ASSIGN_OR_RETURN(client::Attestation a, c->Attest({}));
                   return "token from " + a.claims.value("iss", std::string("?"));
                 }());
               }});
  v.push_back({"end-to-end.snp.azure-guest-release", C::kEndToEnd,
               "SEV-SNP CVM: AzureGuest attestation, release of an RSA-HSM key, unwrap in the "
               "vTPM; the key is the vault's",
               [](ConformanceTarget& t) {
                 if (auto s = EmulatedOnly(t)) return *s;
                 return FromResult(AzureGuestRelease(t, 0, "sevsnpvm", "conf-e2e-snp"));
               }});
  v.push_back({"end-to-end.tdx.azure-guest-release", C::kEndToEnd,
               "TDX CVM: AzureGuest attestation, release of an RSA-HSM key, unwrap in the vTPM; "
               "the key is the vault's",
               [](ConformanceTarget& t) {
                 if (auto s = EmulatedOnly(t)) return *s;
                 return FromResult(AzureGuestRelease(t, 1, "tdxvm", "conf-e2e-tdx"));
               }});
  return v;
}

std::vector<Check> AllChecks() {
  std::vector<Check> all = PositiveChecks();
  for (Check& c : NegativeMatrixChecks()) all.push_back(std::move(c));
  return all;
}

int RunConformance(const ConformanceOptions& options, std::ostream& out) {
  const bool human = !options.json;
  std::unique_ptr<ConformanceTarget> target;
  if (options.live) {
    if (!options.endpoints.ca_bundle_file.empty()) {
      auto pem = ReadFileText(options.endpoints.ca_bundle_file);
      if (!pem.ok()) {
        out << "skr-harness conformance: SKR_CA_BUNDLE / --ca-bundle: " << pem.error().ToString()
            << "\n";
        return 2;
      }
    }
    target = ConformanceTarget::Live(options.endpoints);
    if (human) {
      const LiveEndpoints& e = options.endpoints;
      out << "skr-harness conformance --live\n";
      if (e.empty()) {
        out << "live mode: nothing configured; every check is skipped. Set SKR_MAA_URL (a real "
               "MAA), SKR_VAULT_URL and SKR_KV_BEARER_TOKEN (a real Key Vault), SKR_TCTI (a real "
               "CVM's TPM), optionally SKR_IMDS_URL and SKR_CA_BUNDLE, or the matching flags.\n";
      } else {
        out << "  MAA " << (e.maa_url.empty() ? "(not set: SKR_MAA_URL)" : e.maa_url)
            << "\n  Key Vault " << (e.vault_url.empty() ? "(not set: SKR_VAULT_URL)" : e.vault_url)
            << (e.vault_bearer.empty() ? " (no SKR_KV_BEARER_TOKEN)" : " (bearer token set)")
            << "\n  TPM " << (e.tcti.empty() ? "(not set: SKR_TCTI)" : e.tcti) << "\n";
      }
    }
  } else {
    if (human) {
      out << "skr-harness conformance: emulated stack (seed " << options.seed
          << "): 3 CVMs, mock-maa, mock-kv\n"
          << std::flush;
    }
    auto t = ConformanceTarget::StartEmulated(options.seed);
    if (!t.ok()) {
      out << "FAIL  the emulated stack did not start: " << t.error().ToString() << "\n";
      return 1;
    }
    target = std::move(t).value();
  }
  const std::vector<Check> checks = AllChecks();
  std::vector<CheckOutcome> outcomes =
      RunChecks(checks, *target, options.filter, human ? &out : nullptr);
  const Totals totals = Tally(outcomes);
  if (human) {
    std::map<std::string, std::array<size_t, 3>> by_category;
    for (const auto& o : outcomes) {
      auto& c = by_category[std::string(CheckCategoryName(o.category))];
      ++c[static_cast<int>(o.result.status)];
    }
    out << "\n";
    for (const auto& [name, c] : by_category) {
      out << "  " << name << ": " << c[0] << " passed, " << c[1] << " failed, " << c[2]
          << " skipped\n";
    }
    char secs[32];
    std::snprintf(secs, sizeof(secs), "%.1f s", totals.seconds);
    out << totals.total() << " checks: " << totals.passed << " passed, " << totals.failed
        << " failed, " << totals.skipped << " skipped (" << secs << ")\n";
    if (options.live && options.endpoints.empty()) {
      out << "live mode: nothing configured (set SKR_MAA_URL, SKR_VAULT_URL, "
             "SKR_KV_BEARER_TOKEN, SKR_TCTI)\n";
    }
  } else {
    json j = OutcomesJson(outcomes);
    j["mode"] = options.live ? "live" : "emulated";
    out << j.dump(2) << "\n";
  }
  if (!options.junit_path.empty()) {
    std::ofstream f(options.junit_path, std::ios::binary | std::ios::trunc);
    f << JUnitXml(outcomes, options.live ? "skr-conformance-live" : "skr-conformance");
    f.close();
    if (!f) {
      out << "cannot write the JUnit file " << options.junit_path << "\n";
      return 2;
    }
    if (human) out << "JUnit XML: " << options.junit_path << "\n";
  }
  return totals.failed == 0 ? 0 : 1;
}

}  // namespace skr::harness
