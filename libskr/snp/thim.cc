#include "libskr/snp/thim.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "libskr/encoding/encoding.h"

namespace skr::snp {
namespace {

Result<std::string> StringMember(const nlohmann::json& j, const char* name, bool required) {
  auto it = j.find(name);
  if (it == j.end()) {
    if (!required) return std::string();
    return Malformed(std::string("THIM response: member \"") + name + "\" is missing");
  }
  if (!it->is_string()) {
    return Malformed(std::string("THIM response: member \"") + name + "\" must be a string, is " +
                     it->type_name());
  }
  return it->get<std::string>();
}

std::string Spl(const char* name, uint8_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%s=%02u", name, static_cast<unsigned>(v));
  return buf;
}

}  // namespace

Result<ThimCertification> ParseThimJson(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Malformed("THIM response: not a JSON object");
  }
  SKR_ASSIGN_OR_RETURN(std::string vcek_pem, StringMember(j, "vcekCert", true));
  SKR_ASSIGN_OR_RETURN(std::string chain_pem, StringMember(j, "certificateChain", true));
  SKR_ASSIGN_OR_RETURN(std::string tcbm, StringMember(j, "tcbm", false));
  SKR_ASSIGN_OR_RETURN(std::string cache, StringMember(j, "cacheControl", false));
  if (vcek_pem.empty()) return Malformed("THIM response: \"vcekCert\" is empty");
  if (chain_pem.empty()) return Malformed("THIM response: \"certificateChain\" is empty");
  auto vcek = x509::CertificatesFromPem(vcek_pem);
  if (!vcek.ok()) return vcek.error().WithContext("THIM response: \"vcekCert\"");
  if (vcek->size() != 1) {
    return Malformed("THIM response: \"vcekCert\" holds " + std::to_string(vcek->size()) +
                     " certificates, expected 1");
  }
  auto chain = x509::CertificatesFromPem(chain_pem);
  if (!chain.ok()) return chain.error().WithContext("THIM response: \"certificateChain\"");
  if (!tcbm.empty() && (tcbm.size() != 16 || !encoding::HexDecode(tcbm).ok())) {
    return Malformed("THIM response: \"tcbm\" must be 16 hex digits, found \"" + tcbm + "\"");
  }
  return ThimCertification{(*vcek)[0], std::move(*chain), std::move(tcbm), std::move(cache)};
}

std::string SerializeThimJson(const ThimCertification& thim) {
  nlohmann::ordered_json j;
  j["vcekCert"] = thim.vcek.ToPem();
  j["tcbm"] = thim.tcbm;
  j["certificateChain"] = x509::CertificatesToPem(thim.chain);
  j["cacheControl"] = thim.cache_control;
  return j.dump();
}

std::string KdsVcekUrl(Product product, ByteView chip_id, TcbVersion reported_tcb) {
  const bool turin = UsesTurinTcbLayout(product);
  const TcbParts p = reported_tcb.Parts(product);
  std::string url =
      "https://kdsintf.amd.com/vcek/v1/" + std::string(ProductName(product)) + "/" +
      encoding::HexEncode(chip_id.subspan(0, std::min<size_t>(chip_id.size(), turin ? 8 : 64))) +
      "?";
  if (turin) url += Spl("fmcSPL", p.fmc) + "&";
  url += Spl("blSPL", p.bootloader) + "&" + Spl("teeSPL", p.tee) + "&" + Spl("snpSPL", p.snp) +
         "&" + Spl("ucodeSPL", p.microcode);
  return url;
}

}  // namespace skr::snp
