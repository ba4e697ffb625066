#include "snp-tdx-emulator/intel/pki.h"

#include <algorithm>
#include <vector>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/drbg.h"
#include "libskr/encoding/der.h"
#include "libskr/x509/builder.h"

namespace skr::emulator::intel {
namespace {

constexpr std::time_t kRootNotBefore = 1526899510;  // 2018-05-21T10:45:10Z
constexpr std::time_t kRootNotAfter = 2524607999;   // 2049-12-31T23:59:59Z
constexpr std::time_t kCaNotBefore = 1526899810;    // 2018-05-21T10:50:10Z
constexpr std::time_t kCaNotAfter = 2000285410;     // 2033-05-21T10:50:10Z
constexpr char kRootCrl[] = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";
constexpr char kPckCrlPlatform[] =
    "https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=platform&encoding=der";
constexpr char kPckCrlProcessor[] =
    "https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=processor&encoding=der";

x509::DistinguishedName IntelName(const std::string& cn) {
  return {{"CN", cn}, {"O", "Intel Corporation"}, {"L", "Santa Clara"}, {"ST", "CA"}, {"C", "US"}};
}

std::time_t PlusYears(std::time_t t, int years) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_year += years;
  return timegm(&tm);
}

// Intel's CA certificates use their 20-byte key identifier as serial number and SKI; it is not
// the RFC 5280 SHA-1 of the key, so it is drawn from the seed too.
Bytes KeyId(ByteView seed, const std::string& label) {
  return crypto::Drbg(seed, label + "/key-id").Generate(20);
}

// The extensions in the order and encoding Intel's certificates have them: AKI, CRL distribution
// point, SKI, keyUsage (critical), basicConstraints (critical), then `extra`.
std::vector<x509::Extension> IntelExtensions(ByteView authority_key_id, const std::string& crl_uri,
                                             ByteView subject_key_id, uint8_t key_usage_unused_bits,
                                             uint8_t key_usage_bits, std::optional<int> ca_path_len,
                                             std::vector<x509::Extension> extra) {
  std::vector<x509::Extension> out;
  const Bytes aki[] = {der::Tlv(0x80, authority_key_id)};  // [0] keyIdentifier
  out.push_back({"2.5.29.35", false, der::Sequence(aki)});
  // DistributionPoint { distributionPoint [0] { fullName [0] { uniformResourceIdentifier [6] } } }
  Bytes uri = der::Tlv(0x86, AsBytes(crl_uri));
  const Bytes dp[] = {der::Tlv(der::ContextTag(0), der::Tlv(der::ContextTag(0), uri))};
  const Bytes dps[] = {der::Sequence(dp)};
  out.push_back({"2.5.29.31", false, der::Sequence(dps)});
  out.push_back({"2.5.29.14", false, der::OctetString(subject_key_id)});
  const uint8_t ku[] = {key_usage_unused_bits, key_usage_bits};
  out.push_back({"2.5.29.15", true, der::Tlv(der::kBitString, ku)});
  std::vector<Bytes> bc;
  if (ca_path_len) {
    bc.push_back(der::Boolean(true));
    bc.push_back(der::Integer(static_cast<uint64_t>(*ca_path_len)));
  }
  out.push_back({"2.5.29.19", true, der::Sequence(bc)});
  for (auto& e : extra) out.push_back(std::move(e));
  return out;
}

}  // namespace

tdx::PckExtensions AzurePckExtensions(ByteView seed) {
  tdx::PckExtensions e;
  crypto::Drbg drbg(seed, "intel/ppid");
  Bytes ppid = drbg.Generate(16);
  std::copy(ppid.begin(), ppid.end(), e.ppid.begin());
  e.tcb.sgx_tcb_comp_svn = {0x06, 0x06, 0x02, 0x02, 0x03, 0x01, 0x00, 0x03};
  e.tcb.pce_svn = 11;
  e.tcb.cpu_svn = e.tcb.sgx_tcb_comp_svn;
  e.pce_id = {0x00, 0x00};
  e.fmspc = {0x00, 0x80, 0x6f, 0x05, 0x00, 0x00};
  e.sgx_type = tdx::SgxType::kScalable;
  Bytes instance = drbg.Generate(16);
  tdx::Array<16> id{};
  std::copy(instance.begin(), instance.end(), id.begin());
  e.platform_instance_id = id;
  e.configuration = tdx::PckConfiguration{true, false, true};
  return e;
}

std::string IntelPki::ChainPem() const {
  const x509::Certificate chain[] = {pck, ca, root};
  return x509::CertificatesToPem(chain) + std::string(1, '\0');
}

Result<IntelPki> CreateIntelPki(ByteView seed, const IntelPkiOptions& options) {
  const std::string ca_label =
      options.processor_ca ? "intel/pck-processor-ca" : "intel/pck-platform-ca";
  const std::string ca_cn =
      options.processor_ca ? "Intel SGX PCK Processor CA" : "Intel SGX PCK Platform CA";
  crypto::Drbg root_drbg(seed, "intel/sgx-root");
  crypto::Drbg ca_drbg(seed, ca_label);
  crypto::Drbg pck_drbg(seed, "intel/pck");
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey root_key,
                       crypto::DeriveEcKey(root_drbg, crypto::Curve::kP256));
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey ca_key,
                       crypto::DeriveEcKey(ca_drbg, crypto::Curve::kP256));
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey pck_key,
                       crypto::DeriveEcKey(pck_drbg, crypto::Curve::kP256));
  Bytes root_id = KeyId(seed, "intel/sgx-root");
  Bytes ca_id = KeyId(seed, ca_label);
  Bytes pck_id = KeyId(seed, "intel/pck");

  x509::CertificateSpec root;
  root.serial = root_id;
  root.issuer = root.subject = IntelName("Intel SGX Root CA");
  root.not_before = kRootNotBefore;
  root.not_after = kRootNotAfter;
  root.subject_key = root_key.public_key();
  root.extensions = IntelExtensions(root_id, kRootCrl, root_id, 1, 0x06, 1, {});
  SKR_ASSIGN_OR_RETURN(
      x509::Certificate root_cert,
      x509::SignCertificate(root, root_key, x509::SignatureAlgorithm::kEcdsaSha256));

  x509::CertificateSpec ca;
  ca.serial = ca_id;
  ca.issuer = root.subject;
  ca.subject = IntelName(ca_cn);
  ca.not_before = kCaNotBefore;
  ca.not_after = kCaNotAfter;
  ca.subject_key = ca_key.public_key();
  ca.extensions = IntelExtensions(root_id, kRootCrl, ca_id, 1, 0x06, 0, {});
  SKR_ASSIGN_OR_RETURN(x509::Certificate ca_cert,
                       x509::SignCertificate(ca, root_key, x509::SignatureAlgorithm::kEcdsaSha256));

  tdx::PckExtensions ext = options.pck_extensions.value_or(AzurePckExtensions(seed));
  SKR_ASSIGN_OR_RETURN(Bytes sgx_der, tdx::SerializePckExtensionsDer(ext));
  x509::CertificateSpec pck;
  pck.serial = crypto::Drbg(seed, "intel/pck/serial").Generate(20);
  pck.serial[0] &= 0x7F;  // 20 content bytes, as Intel's leaf serials
  pck.issuer = ca.subject;
  pck.subject = IntelName("Intel SGX PCK Certificate");
  pck.not_before = options.pck_not_before;
  pck.not_after = PlusYears(options.pck_not_before, 7);
  pck.subject_key = pck_key.public_key();
  // keyUsage digitalSignature | nonRepudiation: BIT STRING 06 C0 as in Intel's PCK certificates.
  pck.extensions = IntelExtensions(
      ca_id, options.processor_ca ? kPckCrlProcessor : kPckCrlPlatform, pck_id, 6, 0xC0,
      std::nullopt, {{std::string(tdx::kSgxExtensionOid), false, std::move(sgx_der)}});
  SKR_ASSIGN_OR_RETURN(x509::Certificate pck_cert,
                       x509::SignCertificate(pck, ca_key, x509::SignatureAlgorithm::kEcdsaSha256));

  return IntelPki{std::move(root_key),  std::move(ca_key),  std::move(pck_key),
                  std::move(root_cert), std::move(ca_cert), std::move(pck_cert),
                  std::move(ext)};
}

}  // namespace skr::emulator::intel
