#include "snp-tdx-emulator/intel/quoting_enclave.h"

#include <algorithm>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/deterministic_signature.h"
#include "libskr/crypto/drbg.h"
#include "libskr/tdx/verify.h"

namespace skr::emulator::intel {

Bytes QeIdentity::CountingAuthData() {
  Bytes b(32);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i);
  return b;
}

Result<QuotingEnclave> QuotingEnclave::Create(ByteView seed, const IntelPki& pki,
                                              QeIdentity identity, TdReportChecker checker) {
  if (identity.auth_data.size() > 0xFFFF) {
    return InvalidArgument("QE: auth data of " + std::to_string(identity.auth_data.size()) +
                           " bytes does not fit its u16 size");
  }
  crypto::Drbg drbg(seed, "intel/qe/attestation-key");
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::DeriveEcKey(drbg, crypto::Curve::kP256));
  SKR_ASSIGN_OR_RETURN(crypto::EcPublicComponents ec, key.public_key().Ec());
  tdx::Array<64> xy{};
  std::copy(ec.x.begin(), ec.x.end(), xy.begin());
  std::copy(ec.y.begin(), ec.y.end(), xy.begin() + 32);

  tdx::QeReportCertificationData cert;
  tdx::SgxReportBody& r = cert.qe_report;
  r.cpu_svn = identity.cpu_svn;
  r.misc_select = identity.misc_select;
  r.attributes = identity.attributes;
  r.mr_enclave = identity.mr_enclave;
  r.mr_signer = identity.mr_signer;
  r.isv_prod_id = identity.isv_prod_id;
  r.isv_svn = identity.isv_svn;
  r.report_data = tdx::ExpectedQeReportData(xy, identity.auth_data);
  // The QE report is an SGX report targeted at the PCE, which signs it with the PCK key.
  SKR_ASSIGN_OR_RETURN(Bytes sig,
                       crypto::SignEcdsaP1363Deterministic(pki.pck_key, crypto::HashAlg::kSha256,
                                                           tdx::SerializeSgxReportBody(r)));
  std::copy(sig.begin(), sig.end(), cert.qe_report_signature.begin());
  cert.qe_auth_data = identity.auth_data;
  cert.pck_cert_data_type = tdx::kCertDataTypePckChain;
  std::string pem = pki.ChainPem();
  cert.pck_chain_pem = ToBytes(AsBytes(pem));

  if (identity.quote_version != 4 && identity.quote_version != 5) {
    return InvalidArgument("QE: quote version " + std::to_string(identity.quote_version) +
                           " is not 4 or 5");
  }
  if (identity.quote_version == 5 && identity.body_type != tdx::kBodyTypeTdx10 &&
      identity.body_type != tdx::kBodyTypeTdx15) {
    return InvalidArgument("QE: v5 body type " + std::to_string(identity.body_type) +
                           " is not 2 (TDX 1.0) or 3 (TDX 1.5)");
  }
  tdx::QuoteHeader header;
  header.version = identity.quote_version;
  Bytes id = crypto::Drbg(seed, "intel/qe/user-data").Generate(16);
  std::copy(id.begin(), id.end(), header.user_data.begin());
  uint16_t body_type = identity.quote_version == 5 ? identity.body_type : tdx::kBodyTypeTdx10;
  return QuotingEnclave(std::move(key), xy, header, body_type, std::move(cert),
                        identity.trailing_zeros, std::move(checker));
}

Result<tdx::TdQuote> QuotingEnclave::QuoteReport(const tdx::TdReport& report) const {
  if (checker_) {
    auto ok = checker_(report);
    if (!ok.ok()) return ok.error().WithContext("QE refused to quote the TDREPORT");
  }
  tdx::TdQuote q;
  q.header = header_;
  q.body_type = body_type_;
  q.body = tdx::QuoteBodyFromTdReport(report);
  if (body_type_ != tdx::kBodyTypeTdx15) {  // TDX 1.0 bodies have no such fields
    q.body.tee_tcb_svn2 = {};
    q.body.mr_servicetd = {};
  }
  q.signature_data.attestation_key = attestation_key_xy_;
  q.signature_data.qe_cert_data = cert_data_;
  SKR_ASSIGN_OR_RETURN(Bytes msg, tdx::QuoteSignedMessage(q));
  SKR_ASSIGN_OR_RETURN(Bytes sig, crypto::SignEcdsaP1363Deterministic(
                                      attestation_key_, crypto::HashAlg::kSha256, msg));
  std::copy(sig.begin(), sig.end(), q.signature_data.signature.begin());
  q.trailing = Bytes(trailing_zeros_, 0);
  return q;
}

Result<Bytes> QuotingEnclave::Quote(ByteView td_report) const {
  SKR_ASSIGN_OR_RETURN(tdx::TdReport report, tdx::ParseTdReport(td_report));
  SKR_ASSIGN_OR_RETURN(tdx::TdQuote q, QuoteReport(report));
  return tdx::SerializeTdQuote(q);
}

}  // namespace skr::emulator::intel
