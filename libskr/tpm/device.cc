#include "libskr/tpm/device.h"

#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "libskr/crypto/digest.h"

namespace skr::tpm {
namespace {

// Frees ESAPI-allocated outputs.
template <typename T>
struct EsysPtr {
  T* p = nullptr;
  ~EsysPtr() { Esys_Free(p); }
  T** out() { return &p; }
  T* operator->() const { return p; }
};

ESYS_TR HierarchyTr(Hierarchy h) {
  switch (h) {
    case Hierarchy::kOwner:
      return ESYS_TR_RH_OWNER;
    case Hierarchy::kEndorsement:
      return ESYS_TR_RH_ENDORSEMENT;
    case Hierarchy::kPlatform:
      return ESYS_TR_RH_PLATFORM;
    case Hierarchy::kNull:
      return ESYS_TR_RH_NULL;
  }
  return ESYS_TR_RH_NULL;
}

std::string NvWhat(std::string_view cmd, uint32_t index, uint32_t offset, uint32_t size) {
  return std::string(cmd) + "(nvIndex=" + HexHandle(index) + ", offset=" + std::to_string(offset) +
         ", size=" + std::to_string(size) + ")";
}

// Closes an ESYS_TR for a TPM entity we only referenced (not flushed).
struct TrCloser {
  ESYS_CONTEXT* ctx;
  ESYS_TR tr;
  ~TrCloser() {
    if (tr != ESYS_TR_NONE) Esys_TR_Close(ctx, &tr);
  }
};

}  // namespace

std::string HexHandle(uint32_t handle) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08X", handle);
  return buf;
}

Error TssError(std::string_view command, TSS2_RC rc) {
  char code[16];
  std::snprintf(code, sizeof(code), "0x%08X", rc);
  std::string msg = std::string(command) + " failed: " + code + " " + Tss2_RC_Decode(rc);
  const uint32_t layer = rc & TSS2_RC_LAYER_MASK;
  if (layer == TSS2_TCTI_RC_LAYER) {
    return Unavailable(msg + " (is the TPM / swtpm reachable through the TCTI?)");
  }
  if (layer == TSS2_TPM_RC_LAYER && (rc & TPM2_RC_FMT1) && (rc & 0x3F) == (TPM2_RC_HANDLE & 0x3F)) {
    return NotFound(msg);
  }
  return Internal(msg);
}

Result<RsaDecryptScheme> OaepSchemeFor(crypto::HashAlg hash) {
  switch (hash) {
    case crypto::HashAlg::kSha1:
      return RsaDecryptScheme::kOaepSha1;
    case crypto::HashAlg::kSha256:
      return RsaDecryptScheme::kOaepSha256;
    case crypto::HashAlg::kSha384:
      return RsaDecryptScheme::kOaepSha384;
    default:
      return Unsupported("TPM RSA decryption: OAEP with " + std::string(crypto::HashAlgName(hash)) +
                         " is not one of the key_hsm schemes (SHA-1, SHA-256, SHA-384)");
  }
}

Result<std::unique_ptr<Device>> Device::Open(std::string_view tcti_conf) {
  std::string conf(tcti_conf);
  TSS2_TCTI_CONTEXT* tcti = nullptr;
  TSS2_RC rc = Tss2_TctiLdr_Initialize(conf.c_str(), &tcti);
  if (rc != TSS2_RC_SUCCESS) {
    return TssError("Tss2_TctiLdr_Initialize(\"" + conf + "\")", rc);
  }
  ESYS_CONTEXT* esys = nullptr;
  rc = Esys_Initialize(&esys, tcti, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    Tss2_TctiLdr_Finalize(&tcti);
    return TssError("Esys_Initialize(\"" + conf + "\")", rc);
  }
  return std::unique_ptr<Device>(new Device(tcti, esys));
}

Device::~Device() {
  if (esys_ != nullptr) Esys_Finalize(&esys_);
  if (tcti_ != nullptr) Tss2_TctiLdr_Finalize(&tcti_);
}

Result<ESYS_TR> Device::TrFromTpmHandle(uint32_t tpm_handle, std::string_view what) {
  ESYS_TR tr = ESYS_TR_NONE;
  TSS2_RC rc =
      Esys_TR_FromTPMPublic(esys_, tpm_handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
  if (rc != TSS2_RC_SUCCESS) {
    return TssError(std::string(what) + " (Esys_TR_FromTPMPublic " + HexHandle(tpm_handle) + ")",
                    rc);
  }
  return tr;
}

Result<uint32_t> Device::GetTpmProperty(uint32_t property) {
  TPMI_YES_NO more = 0;
  EsysPtr<TPMS_CAPABILITY_DATA> cap;
  TSS2_RC rc = Esys_GetCapability(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                  TPM2_CAP_TPM_PROPERTIES, property, 1, &more, cap.out());
  std::string what = "TPM2_GetCapability(TPM_CAP_TPM_PROPERTIES, " + HexHandle(property) + ")";
  if (rc != TSS2_RC_SUCCESS) return TssError(what, rc);
  const TPML_TAGGED_TPM_PROPERTY& props = cap->data.tpmProperties;
  if (props.count < 1 || props.tpmProperty[0].property != property) {
    return NotFound(what + ": the TPM does not report this property");
  }
  return props.tpmProperty[0].value;
}

Result<std::vector<uint32_t>> Device::ListHandles(uint32_t first, uint32_t last) {
  std::vector<uint32_t> out;
  uint32_t next = first;
  for (;;) {
    TPMI_YES_NO more = 0;
    EsysPtr<TPMS_CAPABILITY_DATA> cap;
    TSS2_RC rc = Esys_GetCapability(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                    TPM2_CAP_HANDLES, next, TPM2_MAX_CAP_HANDLES, &more, cap.out());
    if (rc != TSS2_RC_SUCCESS) {
      return TssError("TPM2_GetCapability(TPM_CAP_HANDLES, " + HexHandle(next) + ")", rc);
    }
    const TPML_HANDLE& h = cap->data.handles;
    for (uint32_t i = 0; i < h.count; ++i) {
      if (h.handle[i] > last) return out;
      out.push_back(h.handle[i]);
    }
    if (!more || h.count == 0) return out;
    next = h.handle[h.count - 1] + 1;
  }
}

Result<Bytes> NvName(const TPMS_NV_PUBLIC& pub) {
  uint8_t buf[sizeof(TPMS_NV_PUBLIC)];
  size_t off = 0;
  TSS2_RC rc = Tss2_MU_TPMS_NV_PUBLIC_Marshal(&pub, buf, sizeof(buf), &off);
  if (rc != TSS2_RC_SUCCESS) return TssError("Tss2_MU_TPMS_NV_PUBLIC_Marshal", rc);
  if (pub.nameAlg != TPM2_ALG_SHA256) {
    return Unsupported("NV name: nameAlg " + HexHandle(pub.nameAlg) + " (only SHA-256)");
  }
  Bytes name = {static_cast<uint8_t>(pub.nameAlg >> 8), static_cast<uint8_t>(pub.nameAlg)};
  Bytes digest = crypto::Sha256(ByteView(buf, off));
  name.insert(name.end(), digest.begin(), digest.end());
  return name;
}

Result<void> Device::NvDefine(uint32_t index, uint16_t size, uint32_t attributes) {
  TPM2B_AUTH auth = {};
  TPM2B_NV_PUBLIC pub = {};
  pub.nvPublic.nvIndex = index;
  pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
  pub.nvPublic.attributes = attributes;
  pub.nvPublic.dataSize = size;
  ESYS_TR tr = ESYS_TR_NONE;
  TSS2_RC rc = Esys_NV_DefineSpace(esys_, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                   ESYS_TR_NONE, &auth, &pub, &tr);
  if (rc != TSS2_RC_SUCCESS) return TssError(NvWhat("TPM2_NV_DefineSpace", index, 0, size), rc);
  Esys_TR_Close(esys_, &tr);
  return Ok();
}

Result<void> Device::NvUndefine(uint32_t index) {
  SKR_ASSIGN_OR_RETURN(ESYS_TR tr, TrFromTpmHandle(index, "TPM2_NV_UndefineSpace"));
  TSS2_RC rc = Esys_NV_UndefineSpace(esys_, ESYS_TR_RH_OWNER, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                     ESYS_TR_NONE);
  if (rc != TSS2_RC_SUCCESS) {
    Esys_TR_Close(esys_, &tr);
    return TssError("TPM2_NV_UndefineSpace(nvIndex=" + HexHandle(index) + ")", rc);
  }
  return Ok();
}

Result<NvIndexInfo> Device::NvReadPublic(uint32_t index) {
  SKR_ASSIGN_OR_RETURN(ESYS_TR tr, TrFromTpmHandle(index, "TPM2_NV_ReadPublic"));
  TrCloser closer{esys_, tr};
  EsysPtr<TPM2B_NV_PUBLIC> pub;
  EsysPtr<TPM2B_NAME> name;
  TSS2_RC rc = Esys_NV_ReadPublic(esys_, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, pub.out(),
                                  name.out());
  if (rc != TSS2_RC_SUCCESS) {
    return TssError("TPM2_NV_ReadPublic(nvIndex=" + HexHandle(index) + ")", rc);
  }
  NvIndexInfo info;
  info.index = pub->nvPublic.nvIndex;
  info.name_alg = pub->nvPublic.nameAlg;
  info.attributes = pub->nvPublic.attributes;
  info.auth_policy.assign(pub->nvPublic.authPolicy.buffer,
                          pub->nvPublic.authPolicy.buffer + pub->nvPublic.authPolicy.size);
  info.data_size = pub->nvPublic.dataSize;
  info.name.assign(name->name, name->name + name->size);
  return info;
}

Result<Bytes> Device::NvRead(uint32_t index, NvAuth auth) {
  SKR_ASSIGN_OR_RETURN(NvIndexInfo info, NvReadPublic(index));
  return NvRead(index, 0, info.data_size, auth);
}

Result<Bytes> Device::NvRead(uint32_t index, uint16_t offset, uint16_t size, NvAuth auth) {
  SKR_ASSIGN_OR_RETURN(uint32_t chunk_max, NvBufferMax());
  if (chunk_max == 0) return Internal("TPM reports TPM_PT_NV_BUFFER_MAX = 0");
  SKR_ASSIGN_OR_RETURN(ESYS_TR tr, TrFromTpmHandle(index, "TPM2_NV_Read"));
  TrCloser closer{esys_, tr};
  const ESYS_TR auth_tr = auth == NvAuth::kOwner ? ESYS_TR_RH_OWNER : tr;
  Bytes out;
  out.reserve(size);
  uint32_t done = 0;
  while (done < size) {
    const uint16_t n = static_cast<uint16_t>(std::min<uint32_t>(chunk_max, size - done));
    const uint16_t at = static_cast<uint16_t>(offset + done);
    EsysPtr<TPM2B_MAX_NV_BUFFER> data;
    TSS2_RC rc = Esys_NV_Read(esys_, auth_tr, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n,
                              at, data.out());
    if (rc != TSS2_RC_SUCCESS) return TssError(NvWhat("TPM2_NV_Read", index, at, n), rc);
    if (data->size != n) {
      return Malformed(NvWhat("TPM2_NV_Read", index, at, n) + " returned " +
                       std::to_string(data->size) + " bytes");
    }
    out.insert(out.end(), data->buffer, data->buffer + data->size);
    done += n;
  }
  return out;
}

Result<void> Device::NvWrite(uint32_t index, ByteView data, uint16_t offset, NvAuth auth) {
  SKR_ASSIGN_OR_RETURN(uint32_t chunk_max, NvBufferMax());
  if (chunk_max == 0) return Internal("TPM reports TPM_PT_NV_BUFFER_MAX = 0");
  chunk_max = std::min<uint32_t>(chunk_max, TPM2_MAX_NV_BUFFER_SIZE);
  SKR_ASSIGN_OR_RETURN(ESYS_TR tr, TrFromTpmHandle(index, "TPM2_NV_Write"));
  TrCloser closer{esys_, tr};
  const ESYS_TR auth_tr = auth == NvAuth::kOwner ? ESYS_TR_RH_OWNER : tr;
  size_t done = 0;
  do {
    const uint16_t n = static_cast<uint16_t>(std::min<size_t>(chunk_max, data.size() - done));
    const uint16_t at = static_cast<uint16_t>(offset + done);
    TPM2B_MAX_NV_BUFFER buf = {};
    buf.size = n;
    if (n > 0) std::memcpy(buf.buffer, data.data() + done, n);
    TSS2_RC rc =
        Esys_NV_Write(esys_, auth_tr, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &buf, at);
    if (rc != TSS2_RC_SUCCESS) return TssError(NvWhat("TPM2_NV_Write", index, at, n), rc);
    done += n;
  } while (done < data.size());
  return Ok();
}

namespace {
Result<KeyPublic> KeyPublicOf(const TPM2B_PUBLIC& pub, const TPM2B_NAME* name) {
  KeyPublic out;
  uint8_t buf[sizeof(TPMT_PUBLIC)];
  size_t off = 0;
  TSS2_RC rc = Tss2_MU_TPMT_PUBLIC_Marshal(&pub.publicArea, buf, sizeof(buf), &off);
  if (rc != TSS2_RC_SUCCESS) return TssError("Tss2_MU_TPMT_PUBLIC_Marshal", rc);
  out.tpmt_public.assign(buf, buf + off);
  if (name != nullptr) out.name.assign(name->name, name->name + name->size);
  if (pub.publicArea.type == TPM2_ALG_RSA) {
    const TPM2B_PUBLIC_KEY_RSA& n = pub.publicArea.unique.rsa;
    out.rsa_modulus.assign(n.buffer, n.buffer + n.size);
  }
  return out;
}
}  // namespace

Result<KeyPublic> Device::CreatePrimary(Hierarchy hierarchy, const TPM2B_PUBLIC& in_public,
                                        ESYS_TR* handle) {
  TPM2B_SENSITIVE_CREATE sensitive = {};
  TPM2B_DATA outside = {};
  TPML_PCR_SELECTION creation_pcr = {};
  EsysPtr<TPM2B_PUBLIC> out_public;
  EsysPtr<TPM2B_CREATION_DATA> creation_data;
  EsysPtr<TPM2B_DIGEST> creation_hash;
  EsysPtr<TPMT_TK_CREATION> ticket;
  TSS2_RC rc =
      Esys_CreatePrimary(esys_, HierarchyTr(hierarchy), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                         ESYS_TR_NONE, &sensitive, &in_public, &outside, &creation_pcr, handle,
                         out_public.out(), creation_data.out(), creation_hash.out(), ticket.out());
  if (rc != TSS2_RC_SUCCESS) return TssError("TPM2_CreatePrimary", rc);
  EsysPtr<TPM2B_NAME> name;
  rc = Esys_TR_GetName(esys_, *handle, name.out());
  if (rc != TSS2_RC_SUCCESS) return TssError("Esys_TR_GetName(primary)", rc);
  return KeyPublicOf(*out_public.p, name.p);
}

Result<void> Device::FlushContext(ESYS_TR handle) {
  TSS2_RC rc = Esys_FlushContext(esys_, handle);
  if (rc != TSS2_RC_SUCCESS) return TssError("TPM2_FlushContext", rc);
  return Ok();
}

Result<void> Device::EvictControl(ESYS_TR object, uint32_t persistent_handle) {
  ESYS_TR out = ESYS_TR_NONE;
  TSS2_RC rc = Esys_EvictControl(esys_, ESYS_TR_RH_OWNER, object, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                 ESYS_TR_NONE, persistent_handle, &out);
  if (rc != TSS2_RC_SUCCESS) {
    return TssError("TPM2_EvictControl(persistentHandle=" + HexHandle(persistent_handle) + ")", rc);
  }
  Esys_TR_Close(esys_, &out);
  return Ok();
}

Result<KeyPublic> Device::ReadPublic(uint32_t tpm_handle) {
  SKR_ASSIGN_OR_RETURN(ESYS_TR tr, TrFromTpmHandle(tpm_handle, "TPM2_ReadPublic"));
  TrCloser closer{esys_, tr};
  EsysPtr<TPM2B_PUBLIC> pub;
  EsysPtr<TPM2B_NAME> name;
  EsysPtr<TPM2B_NAME> qualified;
  TSS2_RC rc = Esys_ReadPublic(esys_, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, pub.out(),
                               name.out(), qualified.out());
  if (rc != TSS2_RC_SUCCESS) {
    return TssError("TPM2_ReadPublic(objectHandle=" + HexHandle(tpm_handle) + ")", rc);
  }
  return KeyPublicOf(*pub.p, name.p);
}

Result<void> Device::PcrExtend(uint32_t pcr, uint16_t alg, ByteView digest) {
  TPML_DIGEST_VALUES values = {};
  values.count = 1;
  values.digests[0].hashAlg = alg;
  if (digest.size() > sizeof(TPMU_HA)) {
    return InvalidArgument("PCR extend digest of " + std::to_string(digest.size()) + " bytes");
  }
  std::memcpy(&values.digests[0].digest, digest.data(), digest.size());
  TSS2_RC rc = Esys_PCR_Extend(esys_, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                               ESYS_TR_NONE, &values);
  if (rc != TSS2_RC_SUCCESS) {
    return TssError("TPM2_PCR_Extend(pcr=" + std::to_string(pcr) + ", alg=" + HexHandle(alg) + ")",
                    rc);
  }
  return Ok();
}

namespace {
TPML_PCR_SELECTION Selection(uint16_t alg, const std::vector<uint32_t>& pcrs) {
  TPML_PCR_SELECTION sel = {};
  sel.count = 1;
  sel.pcrSelections[0].hash = alg;
  sel.pcrSelections[0].sizeofSelect = 3;
  for (uint32_t p : pcrs) sel.pcrSelections[0].pcrSelect[p / 8] |= (1u << (p % 8));
  return sel;
}

Result<void> CheckPcrs(const std::vector<uint32_t>& pcrs) {
  for (uint32_t p : pcrs) {
    if (p > 23) return InvalidArgument("PCR index " + std::to_string(p) + " (0..23)");
  }
  return Ok();
}
}  // namespace

Result<Bytes> Device::PcrRead(uint32_t pcr, uint16_t alg) {
  if (pcr > 23) return InvalidArgument("PCR index " + std::to_string(pcr) + " (0..23)");
  TPML_PCR_SELECTION sel = Selection(alg, {pcr});
  uint32_t counter = 0;
  EsysPtr<TPML_PCR_SELECTION> sel_out;
  EsysPtr<TPML_DIGEST> values;
  TSS2_RC rc = Esys_PCR_Read(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, &counter,
                             sel_out.out(), values.out());
  std::string what = "TPM2_PCR_Read(pcr=" + std::to_string(pcr) + ", alg=" + HexHandle(alg) + ")";
  if (rc != TSS2_RC_SUCCESS) return TssError(what, rc);
  if (values->count != 1) return NotFound(what + ": bank not allocated");
  return Bytes(values->digests[0].buffer, values->digests[0].buffer + values->digests[0].size);
}

namespace {
Result<TPM2B_DATA> QualifyingData(ByteView data) {
  TPM2B_DATA out = {};
  if (data.size() > sizeof(out.buffer)) {
    return InvalidArgument("qualifying data of " + std::to_string(data.size()) + " bytes (max " +
                           std::to_string(sizeof(out.buffer)) + ")");
  }
  out.size = static_cast<uint16_t>(data.size());
  if (!data.empty()) std::memcpy(out.buffer, data.data(), data.size());
  return out;
}

// The attestation bytes and the signature, raw and marshaled.
Result<QuoteResult> SignedAttestation(std::string_view command, const TPM2B_ATTEST& attest,
                                      const TPMT_SIGNATURE& sig) {
  QuoteResult out;
  out.attest.assign(attest.attestationData, attest.attestationData + attest.size);
  switch (sig.sigAlg) {
    case TPM2_ALG_RSASSA:
    case TPM2_ALG_RSAPSS:
      out.signature.assign(sig.signature.rsassa.sig.buffer,
                           sig.signature.rsassa.sig.buffer + sig.signature.rsassa.sig.size);
      break;
    default:
      return Unsupported(std::string(command) + " signature algorithm " + HexHandle(sig.sigAlg));
  }
  uint8_t buf[sizeof(TPMT_SIGNATURE)];
  size_t off = 0;
  TSS2_RC rc = Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, buf, sizeof(buf), &off);
  if (rc != TSS2_RC_SUCCESS) return TssError("Tss2_MU_TPMT_SIGNATURE_Marshal", rc);
  out.signature_tpmt.assign(buf, buf + off);
  return out;
}
}  // namespace

Result<QuoteResult> Device::Quote(uint32_t key_handle, const std::vector<uint32_t>& sha256_pcrs,
                                  ByteView qualifying_data) {
  SKR_RETURN_IF_ERROR(CheckPcrs(sha256_pcrs));
  SKR_ASSIGN_OR_RETURN(TPM2B_DATA nonce, QualifyingData(qualifying_data));
  SKR_ASSIGN_OR_RETURN(ESYS_TR key, TrFromTpmHandle(key_handle, "TPM2_Quote"));
  TrCloser closer{esys_, key};
  TPMT_SIG_SCHEME scheme = {};
  scheme.scheme = TPM2_ALG_NULL;
  TPML_PCR_SELECTION sel = Selection(TPM2_ALG_SHA256, sha256_pcrs);
  EsysPtr<TPM2B_ATTEST> attest;
  EsysPtr<TPMT_SIGNATURE> sig;
  TSS2_RC rc = Esys_Quote(esys_, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &nonce, &scheme,
                          &sel, attest.out(), sig.out());
  if (rc != TSS2_RC_SUCCESS) {
    return TssError("TPM2_Quote(signHandle=" + HexHandle(key_handle) + ")", rc);
  }
  return SignedAttestation("TPM2_Quote", *attest.p, *sig.p);
}

Result<CertifyResult> Device::Certify(ESYS_TR object, uint32_t sign_handle,
                                      ByteView qualifying_data) {
  SKR_ASSIGN_OR_RETURN(TPM2B_DATA nonce, QualifyingData(qualifying_data));
  SKR_ASSIGN_OR_RETURN(ESYS_TR key, TrFromTpmHandle(sign_handle, "TPM2_Certify"));
  TrCloser closer{esys_, key};
  TPMT_SIG_SCHEME scheme = {};
  scheme.scheme = TPM2_ALG_NULL;
  EsysPtr<TPM2B_ATTEST> attest;
  EsysPtr<TPMT_SIGNATURE> sig;
  TSS2_RC rc = Esys_Certify(esys_, object, key, ESYS_TR_PASSWORD, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                            &nonce, &scheme, attest.out(), sig.out());
  if (rc != TSS2_RC_SUCCESS) {
    return TssError("TPM2_Certify(signHandle=" + HexHandle(sign_handle) + ")", rc);
  }
  return SignedAttestation("TPM2_Certify", *attest.p, *sig.p);
}

namespace {
// Starts a policy (or trial) session with SHA-256, unsalted and unbound.
Result<ESYS_TR> StartPolicySession(ESYS_CONTEXT* esys, TPM2_SE type) {
  TPMT_SYM_DEF symmetric = {};
  symmetric.algorithm = TPM2_ALG_NULL;
  ESYS_TR session = ESYS_TR_NONE;
  TSS2_RC rc =
      Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                            ESYS_TR_NONE, nullptr, type, &symmetric, TPM2_ALG_SHA256, &session);
  if (rc != TSS2_RC_SUCCESS) {
    return TssError(
        type == TPM2_SE_TRIAL ? "TPM2_StartAuthSession(trial)" : "TPM2_StartAuthSession(policy)",
        rc);
  }
  return session;
}

Result<void> ApplyPolicyPcr(ESYS_CONTEXT* esys, ESYS_TR session,
                            const std::vector<uint32_t>& pcrs) {
  TPML_PCR_SELECTION sel = Selection(TPM2_ALG_SHA256, pcrs);
  TPM2B_DIGEST empty = {};  // empty pcrDigest: the TPM uses the current PCR values
  TSS2_RC rc =
      Esys_PolicyPCR(esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &sel);
  if (rc != TSS2_RC_SUCCESS) return TssError("TPM2_PolicyPCR", rc);
  return Ok();
}

}  // namespace

Result<Bytes> Device::PolicyPcrDigest(const std::vector<uint32_t>& sha256_pcrs) {
  SKR_RETURN_IF_ERROR(CheckPcrs(sha256_pcrs));
  SKR_ASSIGN_OR_RETURN(ESYS_TR session, StartPolicySession(esys_, TPM2_SE_TRIAL));
  Result<void> applied = ApplyPolicyPcr(esys_, session, sha256_pcrs);
  EsysPtr<TPM2B_DIGEST> digest;
  TSS2_RC rc = applied.ok() ? Esys_PolicyGetDigest(esys_, session, ESYS_TR_NONE, ESYS_TR_NONE,
                                                   ESYS_TR_NONE, digest.out())
                            : TSS2_RC_SUCCESS;
  Esys_FlushContext(esys_, session);
  SKR_RETURN_IF_ERROR(applied);
  if (rc != TSS2_RC_SUCCESS) return TssError("TPM2_PolicyGetDigest", rc);
  return Bytes(digest->buffer, digest->buffer + digest->size);
}

Result<Bytes> Device::RsaDecrypt(ESYS_TR key, RsaDecryptScheme scheme, ByteView ciphertext,
                                 const std::vector<uint32_t>& policy_pcrs) {
  SKR_RETURN_IF_ERROR(CheckPcrs(policy_pcrs));
  TPM2B_PUBLIC_KEY_RSA in = {};
  if (ciphertext.empty() || ciphertext.size() > sizeof(in.buffer)) {
    return InvalidArgument("TPM2_RSA_Decrypt ciphertext of " + std::to_string(ciphertext.size()) +
                           " bytes (1.." + std::to_string(sizeof(in.buffer)) + ")");
  }
  in.size = static_cast<uint16_t>(ciphertext.size());
  std::memcpy(in.buffer, ciphertext.data(), ciphertext.size());
  TPMT_RSA_DECRYPT in_scheme = {};
  switch (scheme) {
    case RsaDecryptScheme::kRsaes:
      in_scheme.scheme = TPM2_ALG_RSAES;
      break;
    case RsaDecryptScheme::kOaepSha1:
      in_scheme.scheme = TPM2_ALG_OAEP;
      in_scheme.details.oaep.hashAlg = TPM2_ALG_SHA1;
      break;
    case RsaDecryptScheme::kOaepSha256:
      in_scheme.scheme = TPM2_ALG_OAEP;
      in_scheme.details.oaep.hashAlg = TPM2_ALG_SHA256;
      break;
    case RsaDecryptScheme::kOaepSha384:
      in_scheme.scheme = TPM2_ALG_OAEP;
      in_scheme.details.oaep.hashAlg = TPM2_ALG_SHA384;
      break;
  }
  TPM2B_DATA label = {};
  ESYS_TR session = ESYS_TR_PASSWORD;
  if (!policy_pcrs.empty()) {
    SKR_ASSIGN_OR_RETURN(session, StartPolicySession(esys_, TPM2_SE_POLICY));
    Result<void> applied = ApplyPolicyPcr(esys_, session, policy_pcrs);
    if (!applied.ok()) {
      Esys_FlushContext(esys_, session);
      return applied.error();
    }
  }
  EsysPtr<TPM2B_PUBLIC_KEY_RSA> message;
  TSS2_RC rc = Esys_RSA_Decrypt(esys_, key, session, ESYS_TR_NONE, ESYS_TR_NONE, &in, &in_scheme,
                                &label, message.out());
  // ESYS starts sessions with continueSession set, so the session outlives the command either way.
  if (session != ESYS_TR_PASSWORD) Esys_FlushContext(esys_, session);
  if (rc != TSS2_RC_SUCCESS) {
    return TssError("TPM2_RSA_Decrypt(" + std::to_string(ciphertext.size()) +
                        "-byte ciphertext; a wrong key, scheme or enc, or changed PCRs fail here)",
                    rc);
  }
  return Bytes(message->buffer, message->buffer + message->size);
}

TPM2B_PUBLIC RsaEkTemplate() {
  // EK Credential Profile 2.0 template L-1 authPolicy = PolicySecret(TPM_RH_ENDORSEMENT).
  static constexpr uint8_t kPolicy[32] = {0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8,
                                          0x1A, 0x90, 0xCC, 0x8D, 0x46, 0xA5, 0xD7, 0x24,
                                          0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52, 0x0B, 0x64,
                                          0xF2, 0xA1, 0xDA, 0x1B, 0x33, 0x14, 0x69, 0xAA};
  TPM2B_PUBLIC t = {};
  t.publicArea.type = TPM2_ALG_RSA;
  t.publicArea.nameAlg = TPM2_ALG_SHA256;
  t.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                  TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
                                  TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  t.publicArea.authPolicy.size = sizeof(kPolicy);
  std::memcpy(t.publicArea.authPolicy.buffer, kPolicy, sizeof(kPolicy));
  TPMS_RSA_PARMS& rsa = t.publicArea.parameters.rsaDetail;
  rsa.symmetric.algorithm = TPM2_ALG_AES;
  rsa.symmetric.keyBits.aes = 128;
  rsa.symmetric.mode.aes = TPM2_ALG_CFB;
  rsa.scheme.scheme = TPM2_ALG_NULL;
  rsa.keyBits = 2048;
  rsa.exponent = 0;
  t.publicArea.unique.rsa.size = 256;  // 256 zero bytes, per the profile
  return t;
}

TPM2B_PUBLIC AzureAkTemplate() {
  TPM2B_PUBLIC t = {};
  t.publicArea.type = TPM2_ALG_RSA;
  t.publicArea.nameAlg = TPM2_ALG_SHA256;
  t.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                  TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                  TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED |
                                  TPMA_OBJECT_SIGN_ENCRYPT;
  TPMS_RSA_PARMS& rsa = t.publicArea.parameters.rsaDetail;
  rsa.symmetric.algorithm = TPM2_ALG_NULL;
  rsa.scheme.scheme = TPM2_ALG_RSASSA;
  rsa.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
  rsa.keyBits = 2048;
  rsa.exponent = 0;
  return t;
}

TPM2B_PUBLIC AzureEphemeralKeyTemplate(ByteView auth_policy) {
  TPM2B_PUBLIC t = {};
  t.publicArea.type = TPM2_ALG_RSA;
  t.publicArea.nameAlg = TPM2_ALG_SHA256;
  t.publicArea.objectAttributes = TPMA_OBJECT_DECRYPT | TPMA_OBJECT_FIXEDTPM |
                                  TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                  TPMA_OBJECT_NODA;
  const size_t n = std::min(auth_policy.size(), sizeof(t.publicArea.authPolicy.buffer));
  t.publicArea.authPolicy.size = static_cast<uint16_t>(n);
  if (n > 0) std::memcpy(t.publicArea.authPolicy.buffer, auth_policy.data(), n);
  TPMS_RSA_PARMS& rsa = t.publicArea.parameters.rsaDetail;
  rsa.symmetric.algorithm = TPM2_ALG_NULL;
  rsa.scheme.scheme = TPM2_ALG_NULL;
  rsa.keyBits = 2048;
  rsa.exponent = 0;
  return t;
}

}  // namespace skr::tpm
