#include "snp-tdx-emulator/cvm/emulated_cvm.h"

#include <algorithm>
#include <cctype>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/drbg.h"
#include "libskr/encoding/der.h"
#include "libskr/encoding/encoding.h"
#include "libskr/x509/builder.h"
#include "snp-tdx-emulator/hcl/hcl_generator.h"

namespace skr::emulator::cvm {

std::string_view CvmKindName(CvmKind kind) {
  switch (kind) {
    case CvmKind::kSnpMilan:
      return "snp-milan";
    case CvmKind::kSnpGenoa:
      return "snp-genoa";
    case CvmKind::kSnpTurin:
      return "snp-turin";
    case CvmKind::kTdx:
      return "tdx";
  }
  return "?";
}

Result<CvmKind> CvmKindFromName(std::string_view name) {
  for (CvmKind k : {CvmKind::kSnpMilan, CvmKind::kSnpGenoa, CvmKind::kSnpTurin, CvmKind::kTdx}) {
    if (CvmKindName(k) == name) return k;
  }
  return InvalidArgument("CVM kind \"" + std::string(name) +
                         "\": expected snp-milan, snp-genoa, snp-turin or tdx");
}

bool IsSnp(CvmKind kind) { return kind != CvmKind::kTdx; }

namespace {

snp::Product ProductOf(CvmKind kind) {
  switch (kind) {
    case CvmKind::kSnpGenoa:
      return snp::Product::kGenoa;
    case CvmKind::kSnpTurin:
      return snp::Product::kTurin;
    default:
      return snp::Product::kMilan;
  }
}

constexpr std::time_t k2023 = 1672531200;  // 2023-01-01T00:00:00Z
constexpr std::time_t k2025 = 1735689600;
constexpr std::time_t k2035 = 2051222400;
constexpr std::time_t k2048 = 2461449600;

x509::DistinguishedName MicrosoftName(std::string cn) {
  return {{"C", "US"}, {"O", "Microsoft Corporation"}, {"CN", std::move(cn)}};
}

Bytes Serial(ByteView seed, std::string_view label) {
  Bytes s = crypto::Drbg(seed, label).Generate(16);
  s[0] = static_cast<uint8_t>((s[0] & 0x7F) | 0x10);  // positive, no leading zero
  return s;
}

}  // namespace

// ---- vTPM CA ----

Result<VtpmCa> VtpmCa::Create(ByteView seed) {
  crypto::Drbg root_drbg(seed, "vtpm-ca/root");
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey root_key, crypto::DeriveRsaKey(root_drbg, 2048));
  crypto::Drbg ca_drbg(seed, "vtpm-ca/intermediate");
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey ca_key, crypto::DeriveRsaKey(ca_drbg, 2048));

  x509::CertificateSpec root;
  root.serial = Serial(seed, "vtpm-ca/root/serial");
  root.issuer = root.subject = MicrosoftName("Azure Virtual TPM Root Certificate Authority 2023");
  root.not_before = k2023;
  root.not_after = k2048;
  root.subject_key = root_key.public_key();
  root.basic_constraints_ca = true;
  root.key_usage = x509::kKeyUsageKeyCertSign | x509::kKeyUsageCrlSign;
  root.subject_key_identifier = true;
  SKR_ASSIGN_OR_RETURN(
      x509::Certificate root_cert,
      x509::SignCertificate(root, root_key, x509::SignatureAlgorithm::kRsaPkcs1Sha256));

  x509::CertificateSpec ca;
  ca.serial = Serial(seed, "vtpm-ca/intermediate/serial");
  ca.issuer = root.subject;
  ca.subject = MicrosoftName("Global Virtual TPM CA - 03");
  ca.not_before = k2023;
  ca.not_after = k2048;
  ca.subject_key = ca_key.public_key();
  ca.basic_constraints_ca = true;
  ca.path_len = 0;
  ca.key_usage = x509::kKeyUsageKeyCertSign | x509::kKeyUsageCrlSign;
  ca.subject_key_identifier = ca.authority_key_identifier = true;
  SKR_ASSIGN_OR_RETURN(
      x509::Certificate ca_cert,
      x509::SignCertificate(ca, root_key, x509::SignatureAlgorithm::kRsaPkcs1Sha256));
  return VtpmCa(std::move(ca_key), std::move(root_cert), std::move(ca_cert));
}

Result<x509::Certificate> VtpmCa::IssueAkCert(const crypto::PublicKey& ak, std::string_view vm_id,
                                              ByteView seed) const {
  x509::CertificateSpec leaf;
  leaf.serial = Serial(seed, "vtpm-ca/ak/" + std::string(vm_id));
  leaf.issuer = MicrosoftName("Global Virtual TPM CA - 03");
  std::string id(vm_id);
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  leaf.subject = {{"CN", id + ".TrustedVM.Azure.windows.net"}};
  leaf.not_before = k2025;
  leaf.not_after = k2035;
  leaf.subject_key = ak;
  leaf.basic_constraints_ca = false;
  leaf.key_usage = x509::kKeyUsageDigitalSignature;
  leaf.subject_key_identifier = leaf.authority_key_identifier = true;
  // extendedKeyUsage: tcg-kp-AIKCertificate (2.23.133.8.3).
  SKR_ASSIGN_OR_RETURN(Bytes aik_oid, der::Oid("2.23.133.8.3"));
  const Bytes eku_elems[] = {aik_oid};
  leaf.extensions.push_back({"2.5.29.37", false, der::Sequence(eku_elems)});
  return x509::SignCertificate(leaf, intermediate_key_, x509::SignatureAlgorithm::kRsaPkcs1Sha256);
}

// ---- the CVM ----

Result<std::unique_ptr<EmulatedCvm>> EmulatedCvm::Start(CvmOptions options) {
  if (options.seed.empty()) return InvalidArgument("EmulatedCvm: the seed is empty");
  std::unique_ptr<EmulatedCvm> cvm(new EmulatedCvm(options));
  const Bytes& seed = cvm->options_.seed;
  if (options.now) {
    cvm->clock_ = std::make_shared<FixedClock>(*options.now);
  } else {
    cvm->clock_ = std::make_shared<SystemClock>();
  }

  // Hardware.
  emulator::HardwareReportSigner signer;
  imds::ImdsOptions io;
  if (IsSnp(options.kind)) {
    const snp::Product product = ProductOf(options.kind);
    SKR_ASSIGN_OR_RETURN(amd::AmdRootOfTrust rot, amd::AmdRootOfTrust::Create(seed, product));
    cvm->amd_ = std::make_unique<amd::AmdRootOfTrust>(std::move(rot));
    snp::SnpReport t =
        amd::AzureLikeReportTemplate(product, amd::DeriveChipId(seed, product, "cvm"));
    if (options.snp_policy) t.policy = *options.snp_policy;
    if (options.measurement) t.measurement = *options.measurement;
    if (options.host_data) t.host_data = *options.host_data;
    SKR_ASSIGN_OR_RETURN(amd::SnpFirmware fw, amd::SnpFirmware::Create(*cvm->amd_, t));
    cvm->snp_ = std::make_unique<amd::SnpFirmware>(std::move(fw));
    signer = cvm->snp_->AsHardwareReportSigner();
    io.thim_json = cvm->amd_->ThimJson(cvm->snp_->vcek());
  } else {
    intel::TdxPlatformOptions to;
    intel::TdConfig td = intel::TdConfigForSeed(seed);
    if (options.td_attributes) td.td_attributes = *options.td_attributes;
    if (options.mr_td) td.mr_td = *options.mr_td;
    if (options.mr_config_id) td.mr_config_id = *options.mr_config_id;
    if (options.mr_owner) td.mr_owner = *options.mr_owner;
    if (options.mr_owner_config) td.mr_owner_config = *options.mr_owner_config;
    to.td = td;
    SKR_ASSIGN_OR_RETURN(intel::EmulatedTdxPlatform p,
                         intel::EmulatedTdxPlatform::Create(seed, std::move(to)));
    cvm->tdx_ = std::make_unique<intel::EmulatedTdxPlatform>(std::move(p));
    signer = cvm->tdx_->TdReportSigner();
    const intel::EmulatedTdxPlatform* tdx = cvm->tdx_.get();
    io.td_quote = [tdx](ByteView r) { return tdx->QuoteTdReport(r); };
  }

  // IMDS first: the VM id goes into the HCL report's vmUniqueId and the AK certificate.
  io.listen = options.imds_listen;
  io.seed = seed;
  if (!options.vm_name.empty()) io.vm_id = imds::DeriveGuid(seed, "azure/vm-id/" + options.vm_name);
  io.clock = cvm->clock_;
  io.location = options.location;
  SKR_ASSIGN_OR_RETURN(cvm->imds_, imds::ImdsServer::Start(std::move(io)));

  SKR_ASSIGN_OR_RETURN(VtpmCa ca, VtpmCa::Create(seed));
  cvm->vtpm_ca_ = std::make_unique<VtpmCa>(std::move(ca));

  // HCL report as Azure shapes it per platform (evidence-formats.md 2.3-2.4): Milan VMs carry
  // header v1 without root-cert-thumbprint/tpm-persisted; Genoa, Turin and TDX header v2 with them.
  HclGeneratorOptions hcl;
  hcl.report_type = IsSnp(options.kind) ? hcl::ReportType::kSnp : hcl::ReportType::kTdx;
  hcl.header_version = options.kind == CvmKind::kSnpMilan ? 1 : 2;
  std::string vm_unique_id = cvm->imds_->vm_id();
  std::transform(vm_unique_id.begin(), vm_unique_id.end(), vm_unique_id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  hcl.vm.vm_unique_id = vm_unique_id;
  if (hcl.header_version == 2) {
    // What Azure hashes into root-cert-thumbprint is UNCONFIRMED; here the vTPM root's SHA-256.
    hcl.vm.root_cert_thumbprint =
        encoding::Base64UrlEncode(cvm->vtpm_ca_->root().Fingerprint(crypto::HashAlg::kSha256));
    hcl.vm.tpm_persisted = true;
  }
  hcl.signer = signer;

  vtpm::AzureVtpm::Options vo;
  vo.state_dir = options.vtpm_state_dir;
  // The vTPM's seeds (EPS -> EK, AK; the NULL seed) follow from the CVM seed, so HCLAkPub,
  // HCLEkPub and with them the HCL report are the same bytes on every run.
  vo.entropy_key = vtpm::EntropyKeyFromSeed(seed, options.vm_name);
  vo.report_provider_factory = [hcl](const vtpm::VtpmKeys& keys) {
    HclGeneratorOptions o = hcl;
    o.ak_modulus = keys.ak.rsa_modulus;
    o.ek_modulus = keys.ek.rsa_modulus;
    return vtpm::ReportProvider(
        [o](ByteView user_data) { return GenerateHclReport(o, user_data); });
  };
  EmulatedCvm* self = cvm.get();
  vo.ak_cert_factory = [self](const vtpm::VtpmKeys& keys) -> Result<Bytes> {
    static const uint8_t kE[] = {0x01, 0x00, 0x01};
    SKR_ASSIGN_OR_RETURN(crypto::PublicKey ak,
                         crypto::RsaPublicKeyFromComponents(keys.ak.rsa_modulus, kE));
    SKR_ASSIGN_OR_RETURN(
        x509::Certificate cert,
        self->vtpm_ca_->IssueAkCert(ak, self->imds_->vm_id(), self->options_.seed));
    self->ak_cert_ = cert;
    return cert.ToDer();
  };
  SKR_ASSIGN_OR_RETURN(cvm->vtpm_, vtpm::AzureVtpm::Start(std::move(vo)));
  return cvm;
}

EmulatedCvm::~EmulatedCvm() { Stop(); }

void EmulatedCvm::Stop() {
  if (imds_) imds_->Stop();
  if (vtpm_) vtpm_->Stop();
}

const x509::Certificate& EmulatedCvm::platform_root() const {
  return amd_ ? amd_->ark() : tdx_->pki().root;
}

std::vector<x509::Certificate> EmulatedCvm::platform_chain() const {
  if (amd_) return {amd_->ark(), amd_->ask(), snp_->vcek().cert};
  return {tdx_->pki().root, tdx_->pki().ca, tdx_->pki().pck};
}

std::string EmulatedCvm::vtpm_ca_pem() const {
  return vtpm_ca_->root().ToPem() + vtpm_ca_->intermediate().ToPem();
}

Result<Bytes> EmulatedCvm::HardwareReport(ByteView report_data) const {
  if (snp_) return snp_->GetReport(report_data);
  return tdx_->TdReportSigner()(report_data);
}

}  // namespace skr::emulator::cvm
