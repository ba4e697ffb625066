// skr: the guest-side Secure Key Release CLI. The same binary runs on a real Azure CVM (defaults:
// /dev/tpmrm0 and IMDS at 169.254.169.254) and against the emulated stack (`skr-harness serve`
// prints the flags / environment to use).
//
// Exit codes: 0 success; 2 usage; 3 vTPM or evidence error; 4 attestation refused by MAA;
// 5 release refused by Key Vault; 6 a service or the TPM could not be reached; 1 anything else.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "client/skr_client.h"
#include "libskr/base/files.h"
#include "libskr/crypto/keys.h"
#include "libskr/encoding/encoding.h"

namespace {

using nlohmann::json;
using skr::Error;
using skr::ErrorCode;

enum class Step { kTpm, kAttest, kRelease, kOther };

int ExitCode(Step step, const Error& e) {
  if (e.code() == ErrorCode::kUnavailable) return 6;
  switch (step) {
    case Step::kTpm:
      return 3;
    case Step::kAttest:
      return 4;
    case Step::kRelease:
      return 5;
    case Step::kOther:
      return 1;
  }
  return 1;
}

int Fail(Step step, std::string_view what, const Error& e, bool as_json) {
  int code = ExitCode(step, e);
  if (as_json) {
    std::cout << json({{"ok", false},
                       {"step", what},
                       {"error", std::string(skr::ErrorCodeName(e.code()))},
                       {"message", e.message()},
                       {"exit_code", code}})
                     .dump(2)
              << "\n";
  } else {
    std::cerr << "skr: " << what << " failed: " << e.ToString() << "\n";
  }
  return code;
}

struct Common {
  std::string tcti = std::string(skr::client::kDefaultTcti);
  std::string imds_url = std::string(skr::client::kImdsUrl);
  std::string maa_url;
  std::string vault_url;
  std::string ca_bundle;
  std::string client_id, object_id, msi_res_id;
  bool json = false;
};

void AddCommon(CLI::App* cmd, Common& c, bool services) {
  cmd->add_option("--tcti", c.tcti, "TPM TCTI (device:/dev/tpmrm0 on a CVM)")
      ->envname("SKR_TCTI")
      ->capture_default_str();
  cmd->add_flag("--json", c.json, "Print one JSON document (for scripts)");
  if (!services) return;
  cmd->add_option("--imds-url", c.imds_url, "IMDS base URL")
      ->envname("SKR_IMDS_URL")
      ->capture_default_str();
  cmd->add_option("--maa-url", c.maa_url,
                  "MAA instance, e.g. https://sharedeus.eus.attest.azure.net")
      ->envname("SKR_MAA_URL");
  cmd->add_option("--ca-bundle", c.ca_bundle,
                  "PEM file of CAs trusted for HTTPS (default: the system store)")
      ->envname("SKR_CA_BUNDLE");
  cmd->add_option("--client-id", c.client_id, "Managed identity client id")
      ->envname("IMDS_CLIENT_ID");
  cmd->add_option("--object-id", c.object_id, "Managed identity object id")
      ->envname("IMDS_OBJECT_ID");
  cmd->add_option("--msi-res-id", c.msi_res_id, "Managed identity resource id")
      ->envname("IMDS_MSI_RES_ID");
}

skr::Result<skr::client::SkrClientOptions> Options(const Common& c) {
  skr::client::SkrClientOptions o;
  o.tcti = c.tcti;
  std::optional<std::string> ca;
  if (!c.ca_bundle.empty()) {
    auto text = skr::ReadFileText(c.ca_bundle);
    if (!text.ok()) return text.error().WithContext("--ca-bundle");
    ca = *text;
  }
  o.imds = {c.imds_url, ca};
  o.maa = {c.maa_url, ca};
  o.vault = {c.vault_url, ca};
  if (!c.client_id.empty()) o.identity.client_id = c.client_id;
  if (!c.object_id.empty()) o.identity.object_id = c.object_id;
  if (!c.msi_res_id.empty()) o.identity.msi_res_id = c.msi_res_id;
  return o;
}

skr::Result<std::optional<skr::Bytes>> UserData(const std::string& hex) {
  if (hex.empty()) return std::optional<skr::Bytes>();
  auto b = skr::encoding::HexDecode(hex);
  if (!b.ok()) return b.error().WithContext("--user-data");
  if (b->size() != 64) {
    return skr::InvalidArgument("--user-data must be 64 bytes (128 hex digits), got " +
                                std::to_string(b->size()) + " bytes");
  }
  return std::optional<skr::Bytes>(*b);
}

// The vault base URL of a key id "https://v.vault.azure.net/keys/name[/version]".
std::string VaultOfKeyId(const std::string& key_id) {
  auto pos = key_id.find("/keys/");
  return pos == std::string::npos ? "" : key_id.substr(0, pos);
}

}  // namespace

int main(int argc, char** argv) {
  // tpm2-tss logs every TPM error response to stderr; our errors already say what failed. Users
  // can still ask for the TSS log with TSS2_LOG.
  setenv("TSS2_LOG", "all+NONE", /*overwrite=*/0);
  CLI::App app{"skr: Azure Secure Key Release from a Confidential VM (real or emulated)"};
  app.require_subcommand(1);

  Common hcl_c;
  std::string hcl_user_data, hcl_out;
  CLI::App* hcl = app.add_subcommand("hcl", "Show the HCL report and its runtime claims");
  AddCommon(hcl, hcl_c, false);
  hcl->add_option("--user-data", hcl_user_data,
                  "Request a fresh report carrying these 64 bytes (128 hex digits)");
  hcl->add_option("--out", hcl_out, "Also write the raw NV bytes to this file");

  Common att_c;
  std::string att_flow = "azureguest", att_nonce, att_user_data;
  bool att_token = false;
  CLI::App* attest = app.add_subcommand("attest", "Attest with MAA and print the token's claims");
  AddCommon(attest, att_c, true);
  attest->add_option("--flow", att_flow, "azureguest | sevsnpvm | tdxvm")->capture_default_str();
  attest->add_option("--nonce", att_nonce, "Nonce sent to MAA (echoed in the token)");
  attest->add_option("--user-data", att_user_data, "Fresh HCL report with these 64 bytes (hex)");
  attest->add_flag("--token", att_token, "Print the JWT itself instead of its claims");

  Common rel_c;
  std::string rel_flow = "azureguest", rel_key, rel_enc = "RSA_AES_KEY_WRAP_256", rel_out,
              rel_format = "auto", rel_nonce;
  CLI::App* release =
      app.add_subcommand("release", "Attest, release a key and unwrap it in the vTPM");
  AddCommon(release, rel_c, true);
  release->add_option("--key-id", rel_key, "Key id URL, e.g. https://v.vault.azure.net/keys/k")
      ->required();
  release->add_option("--vault-url", rel_c.vault_url, "Vault URL (default: from --key-id)")
      ->envname("SKR_VAULT_URL");
  release
      ->add_option("--enc", rel_enc,
                   "CKM_RSA_AES_KEY_WRAP | RSA_AES_KEY_WRAP_256 | RSA_AES_KEY_WRAP_384")
      ->capture_default_str();
  release->add_option("--flow", rel_flow, "azureguest | sevsnpvm | tdxvm")->capture_default_str();
  release->add_option("--nonce", rel_nonce, "Nonce for MAA and the release request");
  release->add_option("--out", rel_out, "Write the key here (default: stdout)");
  release
      ->add_option("--format", rel_format,
                   "auto (PEM for RSA/EC, raw for oct) | pem | der | raw | hex")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (hcl->parsed()) {
    auto ud = UserData(hcl_user_data);
    if (!ud.ok()) return Fail(Step::kOther, "arguments", ud.error(), hcl_c.json);
    auto tpm = skr::client::GuestTpm::Open(hcl_c.tcti);
    if (!tpm.ok()) return Fail(Step::kTpm, "opening the vTPM", tpm.error(), hcl_c.json);
    auto raw = *ud ? (*tpm)->RequestHclReport(**ud) : (*tpm)->ReadHclReport();
    if (!raw.ok()) return Fail(Step::kTpm, "reading the HCL report", raw.error(), hcl_c.json);
    if (!hcl_out.empty()) {
      auto w = skr::WriteFileBytes(hcl_out, *raw);
      if (!w.ok()) return Fail(Step::kOther, "writing --out", w.error(), hcl_c.json);
    }
    auto report = skr::hcl::ParseHclReport(*raw);
    if (!report.ok()) return Fail(Step::kTpm, "parsing the HCL report", report.error(), hcl_c.json);
    auto claims = skr::hcl::RuntimeClaims::Parse(report->runtime_claims);
    if (!claims.ok()) return Fail(Step::kTpm, "parsing runtime claims", claims.error(), hcl_c.json);
    json out = {{"header_version", report->header_version},
                {"report_type", std::string(skr::hcl::ReportTypeName(report->report_type))},
                {"nv_bytes", raw->size()},
                {"hardware_report_bytes", report->HardwareReport().size()},
                {"runtime_claims", claims->json()}};
    std::cout << out.dump(hcl_c.json ? -1 : 2) << "\n";
    return 0;
  }

  if (attest->parsed()) {
    auto flow = skr::client::AttestationFlowFromName(att_flow);
    if (!flow.ok()) return Fail(Step::kOther, "arguments", flow.error(), att_c.json);
    auto ud = UserData(att_user_data);
    if (!ud.ok()) return Fail(Step::kOther, "arguments", ud.error(), att_c.json);
    if (att_c.maa_url.empty()) {
      return Fail(Step::kOther, "arguments",
                  skr::InvalidArgument("--maa-url (or SKR_MAA_URL) is required"), att_c.json);
    }
    auto opts = Options(att_c);
    if (!opts.ok()) return Fail(Step::kOther, "arguments", opts.error(), att_c.json);
    auto client = skr::client::SkrClient::Create(*opts);
    if (!client.ok()) return Fail(Step::kTpm, "opening the vTPM", client.error(), att_c.json);
    skr::client::AttestOptions ao;
    ao.flow = *flow;
    if (!att_nonce.empty()) ao.nonce = att_nonce;
    ao.user_data = *ud;
    auto a = (*client)->Attest(ao);
    if (!a.ok()) return Fail(Step::kAttest, "attestation", a.error(), att_c.json);
    if (att_token) {
      std::cout << (att_c.json ? json({{"ok", true}, {"token", a->token}}).dump() : a->token)
                << "\n";
    } else {
      std::cout << (att_c.json ? json({{"ok", true}, {"claims", a->claims}}).dump()
                               : a->claims.dump(2))
                << "\n";
    }
    return 0;
  }

  if (release->parsed()) {
    auto flow = skr::client::AttestationFlowFromName(rel_flow);
    if (!flow.ok()) return Fail(Step::kOther, "arguments", flow.error(), rel_c.json);
    auto enc = skr::kv::KeyWrapAlgorithmFromName(rel_enc);
    if (!enc.ok()) return Fail(Step::kOther, "arguments", enc.error(), rel_c.json);
    if (rel_c.vault_url.empty()) rel_c.vault_url = VaultOfKeyId(rel_key);
    if (rel_c.maa_url.empty() || rel_c.vault_url.empty()) {
      return Fail(Step::kOther, "arguments",
                  skr::InvalidArgument("--maa-url and a key id URL (or --vault-url) are required"),
                  rel_c.json);
    }
    auto opts = Options(rel_c);
    if (!opts.ok()) return Fail(Step::kOther, "arguments", opts.error(), rel_c.json);
    auto client = skr::client::SkrClient::Create(*opts);
    if (!client.ok()) return Fail(Step::kTpm, "opening the vTPM", client.error(), rel_c.json);
    skr::client::AttestOptions ao;
    ao.flow = *flow;
    if (!rel_nonce.empty()) ao.nonce = rel_nonce;
    auto a = (*client)->Attest(ao);
    if (!a.ok()) return Fail(Step::kAttest, "attestation", a.error(), rel_c.json);
    auto key = (*client)->ReleaseKey(
        *a, rel_key, *enc,
        rel_nonce.empty() ? std::nullopt : std::optional<std::string>(rel_nonce));
    if (!key.ok()) return Fail(Step::kRelease, "key release", key.error(), rel_c.json);

    const bool is_oct = key->kty.rfind("oct", 0) == 0;
    std::string format = rel_format == "auto" ? (is_oct ? "raw" : "pem") : rel_format;
    std::string bytes;
    if (format == "pem") {
      if (is_oct) {
        return Fail(Step::kOther, "output",
                    skr::InvalidArgument("an oct key has no PEM form; use --format raw or hex"),
                    rel_c.json);
      }
      auto pk = skr::crypto::PrivateKeyFromPkcs8Der(key->key_material);
      if (!pk.ok())
        return Fail(Step::kRelease, "decoding the released key", pk.error(), rel_c.json);
      bytes = pk->ToPem();
    } else if (format == "hex") {
      bytes = skr::encoding::HexEncode(key->key_material) + "\n";
    } else if (format == "raw" || format == "der") {
      bytes = skr::AsString(key->key_material);
    } else {
      return Fail(Step::kOther, "arguments",
                  skr::InvalidArgument("--format " + format + " (auto, pem, der, raw, hex)"),
                  rel_c.json);
    }
    if (!rel_out.empty()) {
      auto w = skr::WriteFileBytes(rel_out, skr::AsBytes(bytes));
      if (!w.ok()) return Fail(Step::kOther, "writing --out", w.error(), rel_c.json);
    }
    if (rel_c.json) {
      json j = {
          {"ok", true}, {"kid", key->kid}, {"kty", key->kty}, {"bytes", key->key_material.size()}};
      if (rel_out.empty()) j["key"] = bytes;
      std::cout << j.dump() << "\n";
    } else if (rel_out.empty()) {
      std::cout << bytes;
    } else {
      std::cerr << "skr: released " << key->kid << " (" << key->kty << ", "
                << key->key_material.size() << " bytes) to " << rel_out << "\n";
    }
    return 0;
  }
  return 2;
}
