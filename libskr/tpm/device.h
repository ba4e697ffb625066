// TPM 2.0 access through tpm2-tss ESAPI, shared by the emulator (provisioning) and the guest
// client. One Device = one TCTI connection (e.g. "swtpm:host=127.0.0.1,port=2321" or
// "device:/dev/tpmrm0"). All authorizations are password sessions (TPM_RS_PW) with the empty
// password, as on an Azure CVM where the guest owns the (empty-auth) owner and endorsement
// hierarchies.
#ifndef SKR_TPM_DEVICE_H_
#define SKR_TPM_DEVICE_H_

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/digest.h"

namespace skr::tpm {

enum class Hierarchy { kOwner, kEndorsement, kPlatform, kNull };

// Who authorizes an NV read or write: the owner hierarchy (`tpm2_nvread -C o`) or the index itself.
enum class NvAuth { kOwner, kIndex };

// TPMS_NV_PUBLIC of an index, and its TPM name (nameAlg || H(TPMS_NV_PUBLIC)).
struct NvIndexInfo {
  uint32_t index = 0;
  uint16_t name_alg = 0;
  uint32_t attributes = 0;  // TPMA_NV
  Bytes auth_policy;
  uint16_t data_size = 0;
  Bytes name;
};

struct KeyPublic {
  Bytes tpmt_public;  // marshaled TPMT_PUBLIC (the contents of TPM2B_PUBLIC)
  Bytes name;         // nameAlg || H(TPMT_PUBLIC)
  Bytes rsa_modulus;  // big-endian, empty for non-RSA keys
};

// The output of TPM2_Quote and TPM2_Certify: what the signing key attested and its signature.
struct QuoteResult {
  Bytes attest;          // marshaled TPMS_ATTEST (what the signature covers)
  Bytes signature;       // raw signature bytes (RSASSA: the 256-byte PKCS#1 v1.5 signature)
  Bytes signature_tpmt;  // marshaled TPMT_SIGNATURE (what tpm2_quote -s writes)
};
using CertifyResult = QuoteResult;

// TPM2_RSA_Decrypt schemes (TPM 2.0 Part 2, TPMT_RSA_DECRYPT): RSAES-PKCS1-v1_5 (what unseals the
// MAA AzureGuest response, skr-protocol.md 1.5) and OAEP with the hash chosen by the Key Vault
// `enc` (4.4; MGF1 uses the same hash and the label is empty).
enum class RsaDecryptScheme { kRsaes, kOaepSha1, kOaepSha256, kOaepSha384 };
// The OAEP scheme of a key_hsm transfer key wrapped with `hash` (skr-protocol.md 4: the `enc`
// values use SHA-1, SHA-256 or SHA-384); an unsupported hash is an error naming it.
Result<RsaDecryptScheme> OaepSchemeFor(crypto::HashAlg hash);

class Device {
 public:
  // Connects through the tctildr (TCTI config string as for TPM2TOOLS_TCTI) and initializes ESAPI.
  static Result<std::unique_ptr<Device>> Open(std::string_view tcti);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  ESYS_CONTEXT* esys() { return esys_; }

  // TPM2_GetCapability(TPM_CAP_TPM_PROPERTIES, property, 1).
  Result<uint32_t> GetTpmProperty(uint32_t property);
  Result<uint32_t> NvBufferMax() { return GetTpmProperty(TPM2_PT_NV_BUFFER_MAX); }
  Result<uint32_t> NvIndexMax() { return GetTpmProperty(TPM2_PT_NV_INDEX_MAX); }
  // TPM2_GetCapability(TPM_CAP_HANDLES) from `first`, following moreData.
  Result<std::vector<uint32_t>> ListHandles(uint32_t first, uint32_t last);

  // NV indices (owner-authorized define/undefine, nameAlg SHA-256, empty index auth).
  Result<void> NvDefine(uint32_t index, uint16_t size, uint32_t attributes);
  Result<void> NvUndefine(uint32_t index);
  Result<NvIndexInfo> NvReadPublic(uint32_t index);
  // Reads the whole index in chunks of the TPM's TPM_PT_NV_BUFFER_MAX.
  Result<Bytes> NvRead(uint32_t index, NvAuth auth = NvAuth::kOwner);
  // Reads [offset, offset+size) in chunks of TPM_PT_NV_BUFFER_MAX.
  Result<Bytes> NvRead(uint32_t index, uint16_t offset, uint16_t size,
                       NvAuth auth = NvAuth::kOwner);
  // Writes `data` at `offset` in chunks of TPM_PT_NV_BUFFER_MAX.
  Result<void> NvWrite(uint32_t index, ByteView data, uint16_t offset = 0,
                       NvAuth auth = NvAuth::kOwner);

  // TPM2_CreatePrimary; the transient handle is returned in *handle (caller flushes).
  Result<KeyPublic> CreatePrimary(Hierarchy hierarchy, const TPM2B_PUBLIC& in_public,
                                  ESYS_TR* handle);
  Result<void> FlushContext(ESYS_TR handle);
  // TPM2_EvictControl(owner): makes a transient object persistent at `persistent_handle`.
  Result<void> EvictControl(ESYS_TR object, uint32_t persistent_handle);
  // TPM2_ReadPublic of a TPM handle (e.g. persistent 0x81000003).
  Result<KeyPublic> ReadPublic(uint32_t tpm_handle);

  // PCR extend of one bank (alg = TPM2_ALG_SHA256, ...); digest size must match the bank.
  Result<void> PcrExtend(uint32_t pcr, uint16_t alg, ByteView digest);
  Result<Bytes> PcrRead(uint32_t pcr, uint16_t alg);

  // TPM2_Quote by the key at `key_handle` (scheme NULL = the key's scheme) over SHA-256 PCRs.
  Result<QuoteResult> Quote(uint32_t key_handle, const std::vector<uint32_t>& sha256_pcrs,
                            ByteView qualifying_data);

  // TPM2_Certify of `object` (a loaded key; its admin role authorized with the empty password) by
  // the signing key at `sign_handle` (e.g. the AK 0x81000003), scheme NULL = the key's scheme.
  Result<CertifyResult> Certify(ESYS_TR object, uint32_t sign_handle, ByteView qualifying_data);

  // The policy digest of TPM2_PolicyPCR over the current values of these SHA-256 PCRs, computed by
  // the TPM in a trial session (what the ephemeral key's authPolicy must be).
  Result<Bytes> PolicyPcrDigest(const std::vector<uint32_t>& sha256_pcrs);

  // TPM2_RSA_Decrypt with `key`, authorized by a policy session that satisfies PolicyPCR over
  // `policy_pcrs` (SHA-256 bank) when the key has no userWithAuth (the Azure ephemeral key), or by
  // the empty password when `policy_pcrs` is empty. The label is empty.
  Result<Bytes> RsaDecrypt(ESYS_TR key, RsaDecryptScheme scheme, ByteView ciphertext,
                           const std::vector<uint32_t>& policy_pcrs);

 private:
  Device(TSS2_TCTI_CONTEXT* tcti, ESYS_CONTEXT* esys) : tcti_(tcti), esys_(esys) {}
  Result<ESYS_TR> TrFromTpmHandle(uint32_t tpm_handle, std::string_view what);

  TSS2_TCTI_CONTEXT* tcti_ = nullptr;
  ESYS_CONTEXT* esys_ = nullptr;
};

// "TPM2_NV_Read(nvIndex=0x01400001) failed: 0x00000149 tpm:error(2.0): ..." with an ErrorCode:
// kUnavailable for TCTI failures, kNotFound for TPM_RC_HANDLE, kInternal otherwise.
Error TssError(std::string_view command, TSS2_RC rc);
std::string HexHandle(uint32_t handle);  // "0x01400001"

// The standard TCG EK template (EK Credential Profile 2.0, template L-1: RSA-2048, AES-128-CFB,
// PolicySecret(TPM_RH_ENDORSEMENT)).
TPM2B_PUBLIC RsaEkTemplate();
// Azure's vTPM AK template (OpenVMM tpm_protocol expected_ak_attributes; anchors.md 2.6):
// fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|noDA|restricted|sign, RSA-2048
// RSASSA-SHA256.
TPM2B_PUBLIC AzureAkTemplate();

// The guest attestation library's ephemeral encryption key (skr-protocol.md 1.4, Tss2Util.cpp):
// RSA-2048, exponent 65537, nameAlg SHA-256, decrypt|fixedTPM|fixedParent|sensitiveDataOrigin|noDA
// (no userWithAuth: use needs the policy), scheme NULL, authPolicy = PolicyPCR digest. Created as a
// primary in the NULL hierarchy, so the same template gives the same key until the next reboot.
TPM2B_PUBLIC AzureEphemeralKeyTemplate(ByteView auth_policy);

// nameAlg(SHA-256) || SHA-256(marshaled TPMS_NV_PUBLIC): the TPM name of an NV index.
Result<Bytes> NvName(const TPMS_NV_PUBLIC& pub);

}  // namespace skr::tpm

#endif  // SKR_TPM_DEVICE_H_
