#include "libskr/tdx/abi.h"

#include <algorithm>

namespace skr::tdx {
namespace {

template <size_t N>
Result<void> TakeArray(ByteReader& r, Array<N>& out, std::string_view field) {
  SKR_ASSIGN_OR_RETURN(ByteView b, r.Take(N, field));
  std::copy(b.begin(), b.end(), out.begin());
  return Ok();
}

Result<uint64_t> TakeU64Le(ByteReader& r, std::string_view field) {
  SKR_ASSIGN_OR_RETURN(uint64_t v, r.U64Le(r.position(), field));
  r.Seek(r.position() + 8);
  return v;
}

std::string HexU(uint64_t v) { return HexOffset(v); }

Error SizeMismatch(std::string_view structure, size_t actual, size_t expected) {
  return Malformed(std::string(structure) + ": size is " + std::to_string(actual) +
                   " bytes, expected exactly " + std::to_string(expected));
}

Result<TdQuoteBody> TakeBody(ByteReader& r, uint16_t body_type) {
  TdQuoteBody b;
  SKR_RETURN_IF_ERROR(TakeArray(r, b.tee_tcb_svn, "TEE_TCB_SVN"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.mr_seam, "MRSEAM"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.mr_signer_seam, "MRSIGNERSEAM"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.seam_attributes, "SEAMATTRIBUTES"));
  SKR_ASSIGN_OR_RETURN(b.td_attributes, TakeU64Le(r, "TDATTRIBUTES"));
  SKR_ASSIGN_OR_RETURN(b.xfam, TakeU64Le(r, "XFAM"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.mr_td, "MRTD"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.mr_config_id, "MRCONFIGID"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.mr_owner, "MROWNER"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.mr_owner_config, "MROWNERCONFIG"));
  static constexpr std::string_view kRtmr[4] = {"RTMR0", "RTMR1", "RTMR2", "RTMR3"};
  for (int i = 0; i < 4; ++i) SKR_RETURN_IF_ERROR(TakeArray(r, b.rtmr[i], kRtmr[i]));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.report_data, "REPORTDATA"));
  if (body_type == kBodyTypeTdx15) {
    SKR_RETURN_IF_ERROR(TakeArray(r, b.tee_tcb_svn2, "TEE_TCB_SVN2"));
    SKR_RETURN_IF_ERROR(TakeArray(r, b.mr_servicetd, "MRSERVICETD"));
  }
  return b;
}

Result<SgxReportBody> TakeSgxReportBody(ByteReader& r) {
  SgxReportBody b;
  SKR_RETURN_IF_ERROR(TakeArray(r, b.cpu_svn, "QE report CPUSVN"));
  SKR_ASSIGN_OR_RETURN(b.misc_select, r.TakeU32Le("QE report MISCSELECT"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.reserved1, "QE report reserved1"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.attributes, "QE report ATTRIBUTES"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.mr_enclave, "QE report MRENCLAVE"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.reserved2, "QE report reserved2"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.mr_signer, "QE report MRSIGNER"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.reserved3, "QE report reserved3"));
  SKR_ASSIGN_OR_RETURN(b.isv_prod_id, r.TakeU16Le("QE report ISVPRODID"));
  SKR_ASSIGN_OR_RETURN(b.isv_svn, r.TakeU16Le("QE report ISVSVN"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.reserved4, "QE report reserved4"));
  SKR_RETURN_IF_ERROR(TakeArray(r, b.report_data, "QE report REPORTDATA"));
  return b;
}

// Certification data type 6 (evidence-formats.md 3.4), `data` exactly its declared size.
Result<QeReportCertificationData> ParseQeReportCertData(ByteView data, size_t base) {
  ByteReader r(data, "TD quote QE report certification data (starts at quote offset " +
                         HexOffset(base) + ")");
  QeReportCertificationData c;
  SKR_ASSIGN_OR_RETURN(c.qe_report, TakeSgxReportBody(r));
  SKR_RETURN_IF_ERROR(TakeArray(r, c.qe_report_signature, "QE report signature"));
  SKR_ASSIGN_OR_RETURN(uint16_t auth_size, r.TakeU16Le("QE auth data size"));
  SKR_ASSIGN_OR_RETURN(ByteView auth, r.Take(auth_size, "QE auth data"));
  c.qe_auth_data = ToBytes(auth);
  size_t type_at = r.position();
  SKR_ASSIGN_OR_RETURN(c.pck_cert_data_type, r.TakeU16Le("certification data type (inner)"));
  if (c.pck_cert_data_type != kCertDataTypePckChain) {
    return Error(ErrorCode::kUnsupported,
                 r.MalformedAt(type_at, "certification data type (inner)",
                               "is " + std::to_string(c.pck_cert_data_type) +
                                   ", expected 5 (PCK certificate chain); other types carry no "
                                   "PCK chain to verify")
                     .message());
  }
  size_t size_at = r.position();
  SKR_ASSIGN_OR_RETURN(uint32_t pem_size, r.TakeU32Le("certification data size (inner)"));
  if (pem_size != r.remaining()) {
    return r.MalformedAt(size_at, "certification data size (inner)",
                         "is " + std::to_string(pem_size) +
                             " but the outer certification data "
                             "leaves " +
                             std::to_string(r.remaining()) + " bytes for it");
  }
  SKR_ASSIGN_OR_RETURN(ByteView pem, r.Take(pem_size, "PCK certificate chain"));
  c.pck_chain_pem = ToBytes(pem);
  return c;
}

Result<QuoteSignatureData> ParseSignatureData(ByteView data, size_t base) {
  ByteReader r(data, "TD quote signature data (starts at quote offset " + HexOffset(base) + ")");
  QuoteSignatureData s;
  SKR_RETURN_IF_ERROR(TakeArray(r, s.signature, "quote signature"));
  SKR_RETURN_IF_ERROR(TakeArray(r, s.attestation_key, "attestation key"));
  size_t type_at = r.position();
  SKR_ASSIGN_OR_RETURN(s.cert_data_type, r.TakeU16Le("certification data type"));
  if (s.cert_data_type != kCertDataTypeQeReport) {
    return Error(ErrorCode::kUnsupported,
                 r.MalformedAt(type_at, "certification data type",
                               "is " + std::to_string(s.cert_data_type) +
                                   ", expected 6 (QE report certification data)")
                     .message());
  }
  size_t size_at = r.position();
  SKR_ASSIGN_OR_RETURN(uint32_t size, r.TakeU32Le("certification data size"));
  if (size != r.remaining()) {
    return r.MalformedAt(size_at, "certification data size",
                         "is " + std::to_string(size) + " but the signature data length leaves " +
                             std::to_string(r.remaining()) + " bytes for it");
  }
  SKR_ASSIGN_OR_RETURN(ByteView cert, r.Take(size, "certification data"));
  SKR_ASSIGN_OR_RETURN(s.qe_cert_data, ParseQeReportCertData(cert, base + r.position() - size));
  return s;
}

}  // namespace

Result<TdReport> ParseTdReport(ByteView data) {
  if (data.size() != kTdReportSize) return SizeMismatch("TDREPORT", data.size(), kTdReportSize);
  ByteReader r(data, "TDREPORT");
  TdReport t;
  ReportMacStruct& m = t.mac_struct;
  SKR_ASSIGN_OR_RETURN(m.report_type, r.TakeU8("REPORTTYPE.TYPE"));
  if (m.report_type != kTeeTypeTdx) {
    return Error(
        ErrorCode::kUnsupported,
        r.MalformedAt(0, "REPORTTYPE.TYPE", "is " + HexU(m.report_type) + ", expected 0x81 (TDX)")
            .message());
  }
  SKR_ASSIGN_OR_RETURN(m.report_subtype, r.TakeU8("REPORTTYPE.SUBTYPE"));
  SKR_ASSIGN_OR_RETURN(m.report_version, r.TakeU8("REPORTTYPE.VERSION"));
  SKR_ASSIGN_OR_RETURN(m.reserved0, r.TakeU8("REPORTTYPE.RESERVED"));
  SKR_RETURN_IF_ERROR(TakeArray(r, m.reserved1, "reserved"));
  SKR_RETURN_IF_ERROR(TakeArray(r, m.cpu_svn, "CPUSVN"));
  SKR_RETURN_IF_ERROR(TakeArray(r, m.tee_tcb_info_hash, "TEE_TCB_INFO_HASH"));
  SKR_RETURN_IF_ERROR(TakeArray(r, m.tee_info_hash, "TEE_INFO_HASH"));
  SKR_RETURN_IF_ERROR(TakeArray(r, m.report_data, "REPORTDATA"));
  SKR_RETURN_IF_ERROR(TakeArray(r, m.reserved2, "reserved"));
  SKR_RETURN_IF_ERROR(TakeArray(r, m.mac, "MAC"));
  TeeTcbInfo& e = t.tee_tcb_info;
  SKR_RETURN_IF_ERROR(TakeArray(r, e.valid, "TEE_TCB_INFO.VALID"));
  SKR_RETURN_IF_ERROR(TakeArray(r, e.tee_tcb_svn, "TEE_TCB_INFO.TEE_TCB_SVN"));
  SKR_RETURN_IF_ERROR(TakeArray(r, e.mr_seam, "TEE_TCB_INFO.MRSEAM"));
  SKR_RETURN_IF_ERROR(TakeArray(r, e.mr_signer_seam, "TEE_TCB_INFO.MRSIGNERSEAM"));
  SKR_RETURN_IF_ERROR(TakeArray(r, e.attributes, "TEE_TCB_INFO.ATTRIBUTES"));
  SKR_RETURN_IF_ERROR(TakeArray(r, e.tee_tcb_svn2, "TEE_TCB_INFO.TEE_TCB_SVN2"));
  SKR_RETURN_IF_ERROR(TakeArray(r, e.reserved, "TEE_TCB_INFO.reserved"));
  SKR_RETURN_IF_ERROR(TakeArray(r, t.reserved, "reserved"));
  TdInfo& d = t.td_info;
  SKR_ASSIGN_OR_RETURN(d.attributes, TakeU64Le(r, "TDINFO.ATTRIBUTES"));
  SKR_ASSIGN_OR_RETURN(d.xfam, TakeU64Le(r, "TDINFO.XFAM"));
  SKR_RETURN_IF_ERROR(TakeArray(r, d.mr_td, "TDINFO.MRTD"));
  SKR_RETURN_IF_ERROR(TakeArray(r, d.mr_config_id, "TDINFO.MRCONFIGID"));
  SKR_RETURN_IF_ERROR(TakeArray(r, d.mr_owner, "TDINFO.MROWNER"));
  SKR_RETURN_IF_ERROR(TakeArray(r, d.mr_owner_config, "TDINFO.MROWNERCONFIG"));
  static constexpr std::string_view kRtmr[4] = {"TDINFO.RTMR0", "TDINFO.RTMR1", "TDINFO.RTMR2",
                                                "TDINFO.RTMR3"};
  for (int i = 0; i < 4; ++i) SKR_RETURN_IF_ERROR(TakeArray(r, d.rtmr[i], kRtmr[i]));
  SKR_RETURN_IF_ERROR(TakeArray(r, d.servtd_hash, "TDINFO.SERVTD_HASH"));
  SKR_RETURN_IF_ERROR(TakeArray(r, d.reserved, "TDINFO.reserved"));
  return t;
}

Bytes SerializeTeeTcbInfo(const TeeTcbInfo& e) {
  ByteWriter w;
  w.Append(e.valid);
  w.Append(e.tee_tcb_svn);
  w.Append(e.mr_seam);
  w.Append(e.mr_signer_seam);
  w.Append(e.attributes);
  w.Append(e.tee_tcb_svn2);
  w.Append(e.reserved);
  return std::move(w).Take();
}

Bytes SerializeTdInfo(const TdInfo& d) {
  ByteWriter w;
  w.AppendU64Le(d.attributes);
  w.AppendU64Le(d.xfam);
  w.Append(d.mr_td);
  w.Append(d.mr_config_id);
  w.Append(d.mr_owner);
  w.Append(d.mr_owner_config);
  for (const Measurement& m : d.rtmr) w.Append(m);
  w.Append(d.servtd_hash);
  w.Append(d.reserved);
  return std::move(w).Take();
}

Bytes SerializeTdReport(const TdReport& t) {
  const ReportMacStruct& m = t.mac_struct;
  ByteWriter w;
  w.AppendU8(m.report_type);
  w.AppendU8(m.report_subtype);
  w.AppendU8(m.report_version);
  w.AppendU8(m.reserved0);
  w.Append(m.reserved1);
  w.Append(m.cpu_svn);
  w.Append(m.tee_tcb_info_hash);
  w.Append(m.tee_info_hash);
  w.Append(m.report_data);
  w.Append(m.reserved2);
  w.Append(m.mac);
  w.Append(SerializeTeeTcbInfo(t.tee_tcb_info));
  w.Append(t.reserved);
  w.Append(SerializeTdInfo(t.td_info));
  return std::move(w).Take();
}

Result<SgxReportBody> ParseSgxReportBody(ByteView data) {
  if (data.size() != kSgxReportBodySize) {
    return SizeMismatch("SGX report body", data.size(), kSgxReportBodySize);
  }
  ByteReader r(data, "SGX report body");
  return TakeSgxReportBody(r);
}

Bytes SerializeSgxReportBody(const SgxReportBody& b) {
  ByteWriter w;
  w.Append(b.cpu_svn);
  w.AppendU32Le(b.misc_select);
  w.Append(b.reserved1);
  w.Append(b.attributes);
  w.Append(b.mr_enclave);
  w.Append(b.reserved2);
  w.Append(b.mr_signer);
  w.Append(b.reserved3);
  w.AppendU16Le(b.isv_prod_id);
  w.AppendU16Le(b.isv_svn);
  w.Append(b.reserved4);
  w.Append(b.report_data);
  return std::move(w).Take();
}

Result<TdQuote> ParseTdQuote(ByteView data) {
  ByteReader r(data, "TD quote");
  TdQuote q;
  QuoteHeader& h = q.header;
  SKR_ASSIGN_OR_RETURN(h.version, r.TakeU16Le("version"));
  if (h.version != 4 && h.version != 5) {
    return Error(ErrorCode::kUnsupported,
                 r.MalformedAt(0, "version",
                               "is " + std::to_string(h.version) + ", expected 4 or 5 (TD quote)")
                     .message());
  }
  SKR_ASSIGN_OR_RETURN(h.attestation_key_type, r.TakeU16Le("attestation key type"));
  if (h.attestation_key_type != kAttestationKeyTypeEcdsaP256) {
    return Error(ErrorCode::kUnsupported,
                 r.MalformedAt(2, "attestation key type",
                               "is " + std::to_string(h.attestation_key_type) +
                                   ", expected 2 (ECDSA-256 with P-256)")
                     .message());
  }
  SKR_ASSIGN_OR_RETURN(h.tee_type, r.TakeU32Le("TEE type"));
  if (h.tee_type != kTeeTypeTdx) {
    return Error(
        ErrorCode::kUnsupported,
        r.MalformedAt(4, "TEE type",
                      "is " + HexU(h.tee_type) + ", expected 0x81 (TDX; 0 would be an SGX quote)")
            .message());
  }
  SKR_ASSIGN_OR_RETURN(h.pce_svn, r.TakeU16Le("PCE SVN"));
  SKR_ASSIGN_OR_RETURN(h.qe_svn, r.TakeU16Le("QE SVN"));
  SKR_RETURN_IF_ERROR(TakeArray(r, h.qe_vendor_id, "QE vendor id"));
  SKR_RETURN_IF_ERROR(TakeArray(r, h.user_data, "user data"));

  size_t body_size = kTdQuoteBody10Size;
  q.body_type = kBodyTypeTdx10;
  if (h.version == 5) {
    // evidence-formats.md 3.3: body type and size precede the body.
    SKR_ASSIGN_OR_RETURN(q.body_type, r.TakeU16Le("body type"));
    if (q.body_type == kBodyTypeTdx10) {
      body_size = kTdQuoteBody10Size;
    } else if (q.body_type == kBodyTypeTdx15) {
      body_size = kTdQuoteBody15Size;
    } else {
      return Error(ErrorCode::kUnsupported,
                   r.MalformedAt(kQuoteHeaderSize, "body type",
                                 "is " + std::to_string(q.body_type) +
                                     ", expected 2 (TDX 1.0) or 3 (TDX 1.5); 1 is an SGX body")
                       .message());
    }
    SKR_ASSIGN_OR_RETURN(uint32_t declared, r.TakeU32Le("body size"));
    if (declared != body_size) {
      return r.MalformedAt(kQuoteHeaderSize + 2, "body size",
                           "is " + std::to_string(declared) + ", expected " +
                               std::to_string(body_size) + " for body type " +
                               std::to_string(q.body_type));
    }
  }
  SKR_ASSIGN_OR_RETURN(q.body, TakeBody(r, q.body_type));
  SKR_ASSIGN_OR_RETURN(uint32_t sig_len, r.TakeU32Le("signature data length"));
  size_t sig_at = r.position();
  SKR_ASSIGN_OR_RETURN(ByteView sig, r.Take(sig_len, "signature data"));
  SKR_ASSIGN_OR_RETURN(q.signature_data, ParseSignatureData(sig, sig_at));
  q.trailing = ToBytes(data.subspan(r.position()));
  return q;
}

Bytes SerializeQuoteHeader(const QuoteHeader& h) {
  ByteWriter w;
  w.AppendU16Le(h.version);
  w.AppendU16Le(h.attestation_key_type);
  w.AppendU32Le(h.tee_type);
  w.AppendU16Le(h.pce_svn);
  w.AppendU16Le(h.qe_svn);
  w.Append(h.qe_vendor_id);
  w.Append(h.user_data);
  return std::move(w).Take();
}

Bytes SerializeTdQuoteBody(const TdQuoteBody& b, uint16_t body_type) {
  ByteWriter w;
  w.Append(b.tee_tcb_svn);
  w.Append(b.mr_seam);
  w.Append(b.mr_signer_seam);
  w.Append(b.seam_attributes);
  w.AppendU64Le(b.td_attributes);
  w.AppendU64Le(b.xfam);
  w.Append(b.mr_td);
  w.Append(b.mr_config_id);
  w.Append(b.mr_owner);
  w.Append(b.mr_owner_config);
  for (const Measurement& m : b.rtmr) w.Append(m);
  w.Append(b.report_data);
  if (body_type == kBodyTypeTdx15) {
    w.Append(b.tee_tcb_svn2);
    w.Append(b.mr_servicetd);
  }
  return std::move(w).Take();
}

Bytes SerializeQuoteSignatureData(const QuoteSignatureData& s) {
  const QeReportCertificationData& c = s.qe_cert_data;
  ByteWriter inner;
  inner.Append(SerializeSgxReportBody(c.qe_report));
  inner.Append(c.qe_report_signature);
  inner.AppendU16Le(static_cast<uint16_t>(c.qe_auth_data.size()));
  inner.Append(c.qe_auth_data);
  inner.AppendU16Le(c.pck_cert_data_type);
  inner.AppendU32Le(static_cast<uint32_t>(c.pck_chain_pem.size()));
  inner.Append(c.pck_chain_pem);
  ByteWriter w;
  w.Append(s.signature);
  w.Append(s.attestation_key);
  w.AppendU16Le(s.cert_data_type);
  w.AppendU32Le(static_cast<uint32_t>(inner.size()));
  w.Append(inner.bytes());
  return std::move(w).Take();
}

Result<Bytes> QuoteSignedMessage(const TdQuote& q) {
  if (q.header.version != 4 && q.header.version != 5) {
    return InvalidArgument("TD quote: header.version is " + std::to_string(q.header.version) +
                           ", expected 4 or 5");
  }
  if (q.header.version == 5 && q.body_type != kBodyTypeTdx10 && q.body_type != kBodyTypeTdx15) {
    return InvalidArgument("TD quote: body_type is " + std::to_string(q.body_type) +
                           ", expected 2 or 3");
  }
  ByteWriter w;
  w.Append(SerializeQuoteHeader(q.header));
  uint16_t body_type = q.header.version == 5 ? q.body_type : kBodyTypeTdx10;
  Bytes body = SerializeTdQuoteBody(q.body, body_type);
  if (q.header.version == 5) {
    w.AppendU16Le(body_type);
    w.AppendU32Le(static_cast<uint32_t>(body.size()));
  }
  w.Append(body);
  return std::move(w).Take();
}

Result<Bytes> SerializeTdQuote(const TdQuote& q) {
  if (q.signature_data.qe_cert_data.qe_auth_data.size() > 0xFFFF) {
    return InvalidArgument("TD quote: QE auth data is " +
                           std::to_string(q.signature_data.qe_cert_data.qe_auth_data.size()) +
                           " bytes, at most 65535 fit its u16 size");
  }
  SKR_ASSIGN_OR_RETURN(Bytes out, QuoteSignedMessage(q));
  Bytes sig = SerializeQuoteSignatureData(q.signature_data);
  ByteWriter w;
  w.Append(out);
  w.AppendU32Le(static_cast<uint32_t>(sig.size()));
  w.Append(sig);
  w.Append(q.trailing);
  return std::move(w).Take();
}

TdQuoteBody QuoteBodyFromTdReport(const TdReport& t) {
  TdQuoteBody b;
  b.tee_tcb_svn = t.tee_tcb_info.tee_tcb_svn;
  b.mr_seam = t.tee_tcb_info.mr_seam;
  b.mr_signer_seam = t.tee_tcb_info.mr_signer_seam;
  b.seam_attributes = t.tee_tcb_info.attributes;
  b.td_attributes = t.td_info.attributes;
  b.xfam = t.td_info.xfam;
  b.mr_td = t.td_info.mr_td;
  b.mr_config_id = t.td_info.mr_config_id;
  b.mr_owner = t.td_info.mr_owner;
  b.mr_owner_config = t.td_info.mr_owner_config;
  b.rtmr = t.td_info.rtmr;
  b.report_data = t.mac_struct.report_data;
  b.tee_tcb_svn2 = t.tee_tcb_info.tee_tcb_svn2;
  b.mr_servicetd = t.td_info.servtd_hash;
  return b;
}

}  // namespace skr::tdx
