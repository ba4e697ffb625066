#include "snp-tdx-emulator/amd/root_of_trust.h"

#include <algorithm>
#include <cctype>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/drbg.h"
#include "libskr/encoding/der.h"
#include "libskr/encoding/encoding.h"
#include "libskr/snp/thim.h"
#include "libskr/snp/vcek.h"
#include "libskr/x509/builder.h"

namespace skr::emulator::amd {
namespace {

using snp::Product;

// The real ARK/ASK serials and validity periods (evidence-formats.md 1.6; the real certificates
// in trustee/amd-ca), so emulated chains look like AMD's to any parser.
struct LineProfile {
  uint32_t ark_serial, ask_serial, asvk_serial;
  std::time_t ark_not_before, ark_not_after, ask_not_before, ask_not_after, asvk_not_before,
      asvk_not_after;
};

LineProfile ProfileOf(Product p) {
  switch (p) {
    case Product::kGenoa:
      return {0x20000,    0x20002,    0x20101,    1643211277, 2432129677,
              1667223228, 2456141628, 1668804514, 2457722914};
    case Product::kTurin:
      return {0x30000,    0x30001,    0x30101,    1684180992, 2473185792,
              1684182321, 2473187121, 1684184981, 2473189781};
    default:
      return {0x10000,    0x10001,    0x10101,    1603387385, 2392305785,
              1603391060, 2392309460, 1668638724, 2457557124};
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

x509::DistinguishedName AmdName(const std::string& cn) {
  return {{"OU", "Engineering"},           {"C", "US"}, {"L", "Santa Clara"}, {"ST", "CA"},
          {"O", "Advanced Micro Devices"}, {"CN", cn}};
}

Bytes Serial(uint32_t v) {
  Bytes b;
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (!b.empty() || (v >> shift) & 0xFF) b.push_back(static_cast<uint8_t>(v >> shift));
  }
  return b;
}

// SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280 4.2.1.2 method 1), as in AMD's SKI.
Result<Bytes> KeyId(const crypto::PublicKey& key) {
  Bytes spki = key.ToSpkiDer();
  der::Reader outer(spki, "SubjectPublicKeyInfo");
  SKR_ASSIGN_OR_RETURN(der::Reader in, outer.Enter(der::kSequence, "SubjectPublicKeyInfo"));
  SKR_ASSIGN_OR_RETURN(der::Element algorithm, in.Expect(der::kSequence, "algorithm"));
  (void)algorithm;
  SKR_ASSIGN_OR_RETURN(der::Element bits, in.Expect(der::kBitString, "subjectPublicKey"));
  if (bits.content.empty()) return Internal("empty subjectPublicKey");
  return crypto::Sha1(bits.content.subspan(1));
}

x509::Extension Ext(std::string oid, bool critical, Bytes value) {
  return x509::Extension{std::move(oid), critical, std::move(value)};
}

constexpr char kOidKeyUsage[] = "2.5.29.15";
constexpr char kOidSki[] = "2.5.29.14";
constexpr char kOidAki[] = "2.5.29.35";
constexpr char kOidBasicConstraints[] = "2.5.29.19";
constexpr char kOidCrlDp[] = "2.5.29.31";

// CRLDistributionPoints with one fullName URI, DER exactly as in AMD's certificates. `kind` is
// "vcek" (ARK, ASK) or "vlek" (ASVK).
Bytes CrlDp(Product p, std::string_view kind = "vcek") {
  std::string uri = "https://kdsintf.amd.com/" + std::string(kind) + "/v1/" +
                    std::string(snp::ProductName(p)) + "/crl";
  Bytes name = der::Tlv(0x86, AsBytes(uri));        // [6] uniformResourceIdentifier
  Bytes full = der::Tlv(der::ContextTag(0), name);  // fullName [0]
  Bytes dpn = der::Tlv(der::ContextTag(0), full);   // distributionPoint [0]
  Bytes dp = der::Sequence(std::vector<Bytes>{dpn});
  return der::Sequence(std::vector<Bytes>{dp});
}

// ASK or ASVK: SKI, AKI(keyid), basicConstraints(critical, CA, pathlen 0), keyUsage(critical:
// certSign), CRL DP, in this order as AMD's have them; signed by the ARK.
Result<x509::Certificate> Intermediate(Product product, const std::string& cn, uint32_t serial,
                                       std::time_t not_before, std::time_t not_after,
                                       std::string_view crl_kind, const crypto::PrivateKey& key,
                                       const crypto::PrivateKey& ark_key) {
  SKR_ASSIGN_OR_RETURN(Bytes ark_id, KeyId(ark_key.public_key()));
  SKR_ASSIGN_OR_RETURN(Bytes id, KeyId(key.public_key()));
  x509::CertificateSpec spec;
  spec.serial = Serial(serial);
  spec.issuer = AmdName("ARK-" + std::string(snp::ProductName(product)));
  spec.subject = AmdName(cn);
  spec.not_before = not_before;
  spec.not_after = not_after;
  spec.subject_key = key.public_key();
  spec.extensions = {
      Ext(kOidSki, false, der::OctetString(id)),
      Ext(kOidAki, false,
          der::Sequence(std::vector<Bytes>{der::Tlv(0x80, ark_id)})),  // [0] keyIdentifier
      Ext(kOidBasicConstraints, true,
          der::Sequence(std::vector<Bytes>{der::Boolean(true), der::Integer(0)})),
      Ext(kOidKeyUsage, true, der::Tlv(der::kBitString, Bytes{0x01, 0x04})),
      Ext(kOidCrlDp, false, CrlDp(product, crl_kind)),
  };
  return x509::SignCertificate(spec, ark_key, x509::SignatureAlgorithm::kRsaPssSha384);
}

// VCEK validity: 7 years, same calendar date (AMD: 2023-01-24 -> 2030-01-24).
std::time_t SevenYearsAfter(std::time_t not_before) {
  std::tm tm{};
  gmtime_r(&not_before, &tm);
  tm.tm_year += 7;
  return timegm(&tm);
}

}  // namespace

std::string_view VcekProductName(Product product) {
  switch (product) {
    case Product::kMilan:
      return "Milan-B0";
    case Product::kGenoa:
      return "Genoa";
    case Product::kTurin:
      return "Turin";
    case Product::kUnknown:
      break;
  }
  return "unknown";
}

Result<AmdRootOfTrust> AmdRootOfTrust::Create(ByteView seed, Product product) {
  if (product == Product::kUnknown) {
    return InvalidArgument("AMD root of trust: product must be Milan, Genoa or Turin");
  }
  const std::string line(snp::ProductName(product));
  const std::string label = "amd/" + Lower(line);
  crypto::Drbg ark_drbg(seed, label + "/ark");
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey ark_key, crypto::DeriveRsaKey(ark_drbg, 4096));
  crypto::Drbg ask_drbg(seed, label + "/ask");
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey ask_key, crypto::DeriveRsaKey(ask_drbg, 4096));
  SKR_ASSIGN_OR_RETURN(Bytes ark_id, KeyId(ark_key.public_key()));
  const LineProfile prof = ProfileOf(product);

  // ARK: keyUsage(critical: certSign, cRLSign), SKI, basicConstraints(critical, CA), CRL DP —
  // in this order, as AMD's ARKs have them.
  x509::CertificateSpec ark;
  ark.serial = Serial(prof.ark_serial);
  ark.issuer = ark.subject = AmdName("ARK-" + line);
  ark.not_before = prof.ark_not_before;
  ark.not_after = prof.ark_not_after;
  ark.subject_key = ark_key.public_key();
  ark.extensions = {
      Ext(kOidKeyUsage, true, der::Tlv(der::kBitString, Bytes{0x01, 0x06})),
      Ext(kOidSki, false, der::OctetString(ark_id)),
      Ext(kOidBasicConstraints, true, der::Sequence(std::vector<Bytes>{der::Boolean(true)})),
      Ext(kOidCrlDp, false, CrlDp(product)),
  };
  SKR_ASSIGN_OR_RETURN(
      x509::Certificate ark_cert,
      x509::SignCertificate(ark, ark_key, x509::SignatureAlgorithm::kRsaPssSha384));

  SKR_ASSIGN_OR_RETURN(x509::Certificate ask_cert,
                       Intermediate(product, "SEV-" + line, prof.ask_serial, prof.ask_not_before,
                                    prof.ask_not_after, "vcek", ask_key, ark_key));
  return AmdRootOfTrust(ToBytes(seed), product, std::move(ark_key), std::move(ask_key),
                        std::move(ark_cert), std::move(ask_cert));
}

Result<void> AmdRootOfTrust::EnsureAsvk() const {
  std::call_once(asvk_->once, [this] {
    const std::string line(snp::ProductName(product_));
    const LineProfile prof = ProfileOf(product_);
    crypto::Drbg drbg(seed_, "amd/" + Lower(line) + "/asvk");
    auto key = crypto::DeriveRsaKey(drbg, 4096);
    if (!key.ok()) {
      asvk_->error = key.error();
      return;
    }
    auto cert = Intermediate(product_, "SEV-VLEK-" + line, prof.asvk_serial, prof.asvk_not_before,
                             prof.asvk_not_after, "vlek", *key, ark_key_);
    if (!cert.ok()) {
      asvk_->error = cert.error();
      return;
    }
    asvk_->key = std::move(*key);
    asvk_->cert = std::move(*cert);
  });
  if (asvk_->error) return *asvk_->error;
  return Ok();
}

Result<x509::Certificate> AmdRootOfTrust::asvk() const {
  SKR_RETURN_IF_ERROR(EnsureAsvk());
  return *asvk_->cert;
}

Result<Vcek> AmdRootOfTrust::IssueVcek(ByteView chip_id, snp::TcbVersion tcb,
                                       std::time_t not_before) const {
  if (chip_id.size() != 64) {
    return InvalidArgument("IssueVcek: chip id must be 64 bytes (as CHIP_ID), got " +
                           std::to_string(chip_id.size()));
  }
  const bool turin = snp::UsesTurinTcbLayout(product_);
  if (turin && !IsAllZero(chip_id.subspan(8))) {
    return InvalidArgument(
        "IssueVcek: a Turin chip id has 8 significant bytes; bytes 8..63 must "
        "be zero (evidence-formats.md 1.1)");
  }
  const std::string line(snp::ProductName(product_));
  // The AMD-SP derives the VCEK from the chip secret and the TCB; here: from the seed, the chip id
  // and the TCB, so a TCB change gives a different key as on hardware.
  crypto::Drbg drbg(
      seed_, "amd/" + Lower(line) + "/vcek/" + encoding::HexEncode(chip_id) + "/" + tcb.Tcbm());
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::DeriveEcKey(drbg, crypto::Curve::kP384));
  // hwID raw, no OCTET STRING wrapper, as AMD's KDS issues it.
  x509::Extension hw_id{std::string(snp::kOidHwId), false,
                        ToBytes(chip_id.subspan(0, turin ? 8 : 64))};
  SKR_ASSIGN_OR_RETURN(x509::Certificate cert,
                       IssueLeaf(key, tcb, not_before, /*vlek=*/false, std::move(hw_id)));
  return Vcek{std::move(cert), std::move(key), product_, ToBytes(chip_id), tcb, std::nullopt};
}

Result<Vcek> AmdRootOfTrust::IssueVlek(std::string_view csp_id, snp::TcbVersion tcb,
                                       std::time_t not_before) const {
  if (csp_id.empty()) return InvalidArgument("IssueVlek: the cloud provider id is empty");
  const std::string line(snp::ProductName(product_));
  // AMD issues a VLEK per cloud provider and TCB (the provider's hosts share it).
  crypto::Drbg drbg(seed_,
                    "amd/" + Lower(line) + "/vlek/" + std::string(csp_id) + "/" + tcb.Tcbm());
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::DeriveEcKey(drbg, crypto::Curve::kP384));
  x509::Extension csp{std::string(snp::kOidCspId), false, der::Ia5String(csp_id)};
  SKR_ASSIGN_OR_RETURN(x509::Certificate cert,
                       IssueLeaf(key, tcb, not_before, /*vlek=*/true, std::move(csp)));
  return Vcek{std::move(cert), std::move(key), product_, Bytes(), tcb, std::string(csp_id)};
}

Result<x509::Certificate> AmdRootOfTrust::IssueLeaf(const crypto::PrivateKey& key,
                                                    snp::TcbVersion tcb, std::time_t not_before,
                                                    bool vlek, x509::Extension identity) const {
  const bool turin = snp::UsesTurinTcbLayout(product_);
  const std::string line(snp::ProductName(product_));
  const std::time_t not_after = SevenYearsAfter(not_before);
  const snp::TcbParts p = tcb.Parts(product_);
  auto spl = [](std::string_view oid, uint8_t v) {
    return Ext(std::string(oid), false, der::Integer(v));
  };
  x509::CertificateSpec spec;
  spec.serial = {};  // 0, as AMD's VCEKs
  spec.issuer = AmdName(vlek ? "SEV-VLEK-" + line : "SEV-" + line);
  spec.subject = AmdName(vlek ? "SEV-VLEK" : "SEV-VCEK");
  spec.not_before = not_before;
  spec.not_after = not_after;
  spec.subject_key = key.public_key();
  // Extension order as in real VCEKs (evidence-formats.md 1.6): Milan/Genoa list spl 3.4-3.7
  // before snpSPL; Turin puts fmcSPL first and has no 3.4. VLEKs name the bare product line.
  spec.extensions.push_back(
      Ext(std::string(snp::kOidStructVersion), false, der::Integer(turin ? 1 : 0)));
  spec.extensions.push_back(Ext(std::string(snp::kOidProductName), false,
                                der::Ia5String(vlek ? line : VcekProductName(product_))));
  if (turin) {
    spec.extensions.push_back(spl(snp::kOidFmcSpl, p.fmc));
    spec.extensions.push_back(spl(snp::kOidBlSpl, p.bootloader));
    spec.extensions.push_back(spl(snp::kOidTeeSpl, p.tee));
    spec.extensions.push_back(spl(snp::kOidSnpSpl, p.snp));
    spec.extensions.push_back(spl(snp::kOidSpl5, 0));
    spec.extensions.push_back(spl(snp::kOidSpl6, 0));
    spec.extensions.push_back(spl(snp::kOidSpl7, 0));
  } else {
    spec.extensions.push_back(spl(snp::kOidBlSpl, p.bootloader));
    spec.extensions.push_back(spl(snp::kOidTeeSpl, p.tee));
    spec.extensions.push_back(spl(snp::kOidSpl4, 0));
    spec.extensions.push_back(spl(snp::kOidSpl5, 0));
    spec.extensions.push_back(spl(snp::kOidSpl6, 0));
    spec.extensions.push_back(spl(snp::kOidSpl7, 0));
    spec.extensions.push_back(spl(snp::kOidSnpSpl, p.snp));
  }
  spec.extensions.push_back(spl(snp::kOidUcodeSpl, p.microcode));
  spec.extensions.push_back(std::move(identity));
  if (vlek) SKR_RETURN_IF_ERROR(EnsureAsvk());
  // AMD's Turin VCEK omits the PSS trailerField (its DER default); Milan/Genoa VCEKs carry it.
  return x509::SignCertificate(spec, vlek ? *asvk_->key : ask_key_,
                               turin ? x509::SignatureAlgorithm::kRsaPssSha384NoTrailer
                                     : x509::SignatureAlgorithm::kRsaPssSha384);
}

snp::CertificateChain AmdRootOfTrust::Chain(const Vcek& leaf) const {
  // A VLEK exists only once the ASVK does (IssueVlek derived it).
  if (leaf.csp_id && EnsureAsvk().ok()) return {ark_, *asvk_->cert, leaf.cert};
  return {ark_, ask_, leaf.cert};
}

Result<std::string> AmdRootOfTrust::VlekCertChainPem() const {
  SKR_RETURN_IF_ERROR(EnsureAsvk());
  return asvk_->cert->ToPem() + ark_.ToPem();
}

std::string AmdRootOfTrust::CertChainPem() const { return ask_.ToPem() + ark_.ToPem(); }

std::string AmdRootOfTrust::ThimJson(const Vcek& vcek, std::string_view cache_control) const {
  return snp::SerializeThimJson(
      snp::ThimCertification{vcek.cert, {ask_, ark_}, vcek.tcb.Tcbm(), std::string(cache_control)});
}

}  // namespace skr::emulator::amd
