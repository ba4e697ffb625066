#include "libskr/maa/requests.h"

#include <algorithm>
#include <cctype>

#include "libskr/crypto/aead.h"
#include "libskr/crypto/rsa_encrypt.h"
#include "libskr/encoding/encoding.h"

namespace skr::maa {
namespace {

using encoding::Base64DecodeAny;
using encoding::Base64Encode;
using encoding::Base64UrlEncode;
using nlohmann::json;

Result<json> ParseJsonObject(std::string_view text, std::string_view what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Malformed(std::string(what) + " is not valid JSON");
  if (!j.is_object()) return Malformed(std::string(what) + " must be a JSON object");
  return j;
}

// The member named `name`, compared case-insensitively (real clients differ in casing, e.g.
// AttestationInfo vs attestationInfo, skr-protocol.md 1.4).
const json* Member(const json& obj, std::string_view name) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& k = it.key();
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return &*it;
    }
  }
  return nullptr;
}

Result<std::string> StringMember(const json& obj, std::string_view name, std::string_view where) {
  const json* m = Member(obj, name);
  if (m == nullptr)
    return Malformed(std::string(where) + ": missing \"" + std::string(name) + "\"");
  if (!m->is_string()) {
    return Malformed(std::string(where) + ": \"" + std::string(name) + "\" must be a string");
  }
  return m->get<std::string>();
}

Result<Bytes> Base64Member(const json& obj, std::string_view name, std::string_view where) {
  SKR_ASSIGN_OR_RETURN(std::string text, StringMember(obj, name, where));
  auto bytes = Base64DecodeAny(text);
  if (!bytes.ok()) {
    return bytes.error().WithContext(std::string(where) + ": \"" + std::string(name) + "\"");
  }
  return bytes;
}

Result<std::optional<std::string>> OptionalText(const json& obj, std::string_view name,
                                                std::string_view where) {
  const json* m = Member(obj, name);
  if (m == nullptr || m->is_null()) return std::optional<std::string>();
  if (m->is_string()) return std::optional<std::string>(m->get<std::string>());
  // The confidential sidecar sends a numeric nonce (skr-protocol.md 1.2).
  if (m->is_number_integer() || m->is_number_unsigned()) {
    return std::optional<std::string>(m->dump());
  }
  return Malformed(std::string(where) + ": \"" + std::string(name) +
                   "\" must be a string or an integer");
}

Result<std::optional<TypedData>> OptionalTypedData(const json& obj, std::string_view name) {
  const json* m = Member(obj, name);
  if (m == nullptr || m->is_null()) return std::optional<TypedData>();
  if (!m->is_object()) return Malformed("\"" + std::string(name) + "\" must be an object");
  TypedData t;
  SKR_ASSIGN_OR_RETURN(t.data, Base64Member(*m, "data", name));
  const json* type = Member(*m, "dataType");
  if (type != nullptr) {
    if (!type->is_string() || (*type != "JSON" && *type != "Binary")) {
      return Malformed(std::string(name) + ".dataType must be \"JSON\" or \"Binary\", found " +
                       type->dump());
    }
    t.data_type = type->get<std::string>();
  }
  return std::optional<TypedData>(std::move(t));
}

void PutTypedData(json& j, const char* name, const std::optional<TypedData>& t) {
  if (t) j[name] = {{"data", Base64UrlEncode(t->data)}, {"dataType", t->data_type}};
}

void PutCommon(json& j, const std::optional<TypedData>& runtime,
               const std::optional<TypedData>& init, const std::optional<std::string>& nonce,
               const std::optional<std::string>& draft) {
  PutTypedData(j, "runtimeData", runtime);
  PutTypedData(j, "initTimeData", init);
  if (nonce) j["nonce"] = *nonce;
  if (draft) j["draftPolicyForAttestation"] = *draft;
}

template <typename Request>
Result<void> ParseCommon(const json& j, Request& r) {
  SKR_ASSIGN_OR_RETURN(r.runtime_data, OptionalTypedData(j, "runtimeData"));
  SKR_ASSIGN_OR_RETURN(r.init_time_data, OptionalTypedData(j, "initTimeData"));
  SKR_ASSIGN_OR_RETURN(r.nonce, OptionalText(j, "nonce", "request"));
  SKR_ASSIGN_OR_RETURN(r.draft_policy, OptionalText(j, "draftPolicyForAttestation", "request"));
  return Ok();
}

std::string Base64OfText(std::string_view s) { return Base64Encode(AsBytes(s)); }

Result<std::string> TextOfBase64(const json& obj, std::string_view name, std::string_view where) {
  SKR_ASSIGN_OR_RETURN(Bytes b, Base64Member(obj, name, where));
  return AsString(b);
}

Result<uint32_t> UintMember(const json& obj, std::string_view name, std::string_view where) {
  const json* m = Member(obj, name);
  if (m == nullptr)
    return Malformed(std::string(where) + ": missing \"" + std::string(name) + "\"");
  // The Python tool sends these as strings (skr-protocol.md 1.4).
  if (m->is_number_unsigned()) return m->get<uint32_t>();
  if (m->is_string()) {
    const std::string s = m->get<std::string>();
    if (!s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), ::isdigit)) {
      return static_cast<uint32_t>(std::stoul(s));
    }
  }
  return Malformed(std::string(where) + ": \"" + std::string(name) +
                   "\" must be a non-negative integer, found " + m->dump());
}

}  // namespace

std::string EncodeSevSnpVmRequest(const SevSnpVmRequest& r) {
  json report = {{"SnpReport", Base64UrlEncode(r.snp_report)},
                 {"VcekCertChain", Base64UrlEncode(AsBytes(r.vcek_cert_chain))}};
  if (r.endorsements_json) report["Endorsements"] = Base64UrlEncode(AsBytes(*r.endorsements_json));
  json j = {{"report", Base64UrlEncode(AsBytes(report.dump()))}};
  PutCommon(j, r.runtime_data, r.init_time_data, r.nonce, r.draft_policy);
  return j.dump();
}

Result<SevSnpVmRequest> ParseSevSnpVmRequest(std::string_view body) {
  SKR_ASSIGN_OR_RETURN(json j, ParseJsonObject(body, "SevSnpVm request body"));
  SevSnpVmRequest r;
  SKR_ASSIGN_OR_RETURN(Bytes report_json, Base64Member(j, "report", "SevSnpVm request"));
  SKR_ASSIGN_OR_RETURN(json report, ParseJsonObject(AsString(report_json), "decoded \"report\""));
  SKR_ASSIGN_OR_RETURN(r.snp_report, Base64Member(report, "SnpReport", "report"));
  SKR_ASSIGN_OR_RETURN(Bytes chain, Base64Member(report, "VcekCertChain", "report"));
  r.vcek_cert_chain = AsString(chain);
  if (const json* e = Member(report, "Endorsements"); e != nullptr && !e->is_null()) {
    SKR_ASSIGN_OR_RETURN(Bytes endorsements, Base64Member(report, "Endorsements", "report"));
    r.endorsements_json = AsString(endorsements);
  }
  SKR_RETURN_IF_ERROR(ParseCommon(j, r));
  return r;
}

std::string EncodeTdxVmRequest(const TdxVmRequest& r) {
  json j = {{"quote", Base64UrlEncode(r.quote)}};
  PutCommon(j, r.runtime_data, r.init_time_data, r.nonce, r.draft_policy);
  return j.dump();
}

Result<TdxVmRequest> ParseTdxVmRequest(std::string_view body) {
  SKR_ASSIGN_OR_RETURN(json j, ParseJsonObject(body, "TdxVm request body"));
  TdxVmRequest r;
  SKR_ASSIGN_OR_RETURN(r.quote, Base64Member(j, "quote", "TdxVm request"));
  SKR_RETURN_IF_ERROR(ParseCommon(j, r));
  return r;
}

json AttestationInfoToJson(const AttestationInfo& info) {
  const TpmInfo& t = info.tpm;
  json pcrs = json::array();
  for (const auto& [index, digest] : t.pcrs) {
    pcrs.push_back({{"Index", index}, {"Digest", Base64Encode(digest)}});
  }
  json tpm = {{"AikCert", Base64Encode(t.aik_cert)},
              {"AikPub", Base64Encode(t.aik_pub)},
              {"PcrQuote", Base64Encode(t.pcr_quote)},
              {"PcrSignature", Base64Encode(t.pcr_signature)},
              {"PcrSet", t.pcr_set},
              {"PCRs", pcrs},
              {"EncKeyPub", Base64Encode(t.enc_key_pub)},
              {"EncKeyCertifyInfo", Base64Encode(t.enc_key_certify_info)},
              {"EncKeyCertifyInfoSignature", Base64Encode(t.enc_key_certify_info_signature)}};
  const IsolationInfo& iso = info.isolation;
  json isolation = {{"Type", iso.type}};
  if (iso.type == "SevSnp") {
    json proof = {{"SnpReport", Base64UrlEncode(iso.snp_report)},
                  {"VcekCertChain", Base64Encode(AsBytes(iso.vcek_cert_chain))}};
    isolation["Evidence"] = {{"Proof", Base64OfText(proof.dump())},
                             {"RunTimeData", Base64Encode(iso.runtime_data)}};
  } else if (iso.type == "Tdx") {
    isolation["Evidence"] = {{"Proof", Base64Encode(iso.td_quote)},
                             {"RunTimeData", Base64Encode(iso.runtime_data)}};
  }
  json payload = json::object();
  for (const auto& [k, v] : info.client_payload) payload[k] = Base64OfText(v);
  return {{"AttestationProtocolVersion", info.protocol_version},
          {"OSType", Base64OfText(info.os_type)},
          {"OSDistro", Base64OfText(info.os_distro)},
          {"OSVersionMajor", info.os_version_major},
          {"OSVersionMinor", info.os_version_minor},
          {"OSBuild", Base64OfText(info.os_build)},
          {"TcgLogs", Base64Encode(info.tcg_logs)},
          {"ClientPayload", payload},
          {"TpmInfo", tpm},
          {"IsolationInfo", isolation}};
}

Result<AttestationInfo> AttestationInfoFromJson(const json& j) {
  if (!j.is_object()) return Malformed("AttestationInfo must be a JSON object");
  AttestationInfo info;
  SKR_ASSIGN_OR_RETURN(info.protocol_version,
                       StringMember(j, "AttestationProtocolVersion", "AttestationInfo"));
  SKR_ASSIGN_OR_RETURN(info.os_type, TextOfBase64(j, "OSType", "AttestationInfo"));
  if (Member(j, "OSDistro") != nullptr) {
    SKR_ASSIGN_OR_RETURN(info.os_distro, TextOfBase64(j, "OSDistro", "AttestationInfo"));
  }
  if (Member(j, "OSVersionMajor") != nullptr) {
    SKR_ASSIGN_OR_RETURN(info.os_version_major, UintMember(j, "OSVersionMajor", "AttestationInfo"));
    SKR_ASSIGN_OR_RETURN(info.os_version_minor, UintMember(j, "OSVersionMinor", "AttestationInfo"));
  }
  if (Member(j, "OSBuild") != nullptr) {
    SKR_ASSIGN_OR_RETURN(info.os_build, TextOfBase64(j, "OSBuild", "AttestationInfo"));
  }
  if (Member(j, "TcgLogs") != nullptr) {
    SKR_ASSIGN_OR_RETURN(info.tcg_logs, Base64Member(j, "TcgLogs", "AttestationInfo"));
  }
  if (const json* p = Member(j, "ClientPayload"); p != nullptr && !p->is_null()) {
    if (!p->is_object()) return Malformed("AttestationInfo: \"ClientPayload\" must be an object");
    for (auto it = p->begin(); it != p->end(); ++it) {
      SKR_ASSIGN_OR_RETURN(info.client_payload[it.key()],
                           TextOfBase64(*p, it.key(), "ClientPayload"));
    }
  }
  const json* tpm = Member(j, "TpmInfo");
  if (tpm == nullptr || !tpm->is_object()) {
    return Malformed("AttestationInfo: missing object \"TpmInfo\"");
  }
  TpmInfo& t = info.tpm;
  SKR_ASSIGN_OR_RETURN(t.aik_cert, Base64Member(*tpm, "AikCert", "TpmInfo"));
  SKR_ASSIGN_OR_RETURN(t.aik_pub, Base64Member(*tpm, "AikPub", "TpmInfo"));
  SKR_ASSIGN_OR_RETURN(t.pcr_quote, Base64Member(*tpm, "PcrQuote", "TpmInfo"));
  SKR_ASSIGN_OR_RETURN(t.pcr_signature, Base64Member(*tpm, "PcrSignature", "TpmInfo"));
  SKR_ASSIGN_OR_RETURN(t.enc_key_pub, Base64Member(*tpm, "EncKeyPub", "TpmInfo"));
  SKR_ASSIGN_OR_RETURN(t.enc_key_certify_info, Base64Member(*tpm, "EncKeyCertifyInfo", "TpmInfo"));
  SKR_ASSIGN_OR_RETURN(t.enc_key_certify_info_signature,
                       Base64Member(*tpm, "EncKeyCertifyInfoSignature", "TpmInfo"));
  const json* set = Member(*tpm, "PcrSet");
  if (set == nullptr || !set->is_array()) return Malformed("TpmInfo: missing array \"PcrSet\"");
  for (const json& p : *set) {
    if (!p.is_number_unsigned() || p.get<uint64_t>() > 23) {
      return Malformed("TpmInfo.PcrSet: " + p.dump() + " is not a PCR index 0..23");
    }
    t.pcr_set.push_back(p.get<uint32_t>());
  }
  const json* pcrs = Member(*tpm, "PCRs");
  if (pcrs == nullptr || !pcrs->is_array()) return Malformed("TpmInfo: missing array \"PCRs\"");
  for (const json& p : *pcrs) {
    if (!p.is_object()) return Malformed("TpmInfo.PCRs: entries must be objects");
    SKR_ASSIGN_OR_RETURN(uint32_t index, UintMember(p, "Index", "TpmInfo.PCRs"));
    if (index > 23) return Malformed("TpmInfo.PCRs: Index " + std::to_string(index) + " > 23");
    SKR_ASSIGN_OR_RETURN(t.pcrs[index], Base64Member(p, "Digest", "TpmInfo.PCRs"));
  }
  const json* iso = Member(j, "IsolationInfo");
  if (iso == nullptr || !iso->is_object()) {
    return Malformed("AttestationInfo: missing object \"IsolationInfo\"");
  }
  SKR_ASSIGN_OR_RETURN(info.isolation.type, StringMember(*iso, "Type", "IsolationInfo"));
  if (info.isolation.type == "SevSnp" || info.isolation.type == "Tdx") {
    const json* ev = Member(*iso, "Evidence");
    if (ev == nullptr || !ev->is_object()) {
      return Malformed("IsolationInfo: missing object \"Evidence\" for type " +
                       info.isolation.type);
    }
    SKR_ASSIGN_OR_RETURN(info.isolation.runtime_data,
                         Base64Member(*ev, "RunTimeData", "IsolationInfo.Evidence"));
    SKR_ASSIGN_OR_RETURN(Bytes proof, Base64Member(*ev, "Proof", "IsolationInfo.Evidence"));
    if (info.isolation.type == "Tdx") {
      info.isolation.td_quote = std::move(proof);
    } else {
      SKR_ASSIGN_OR_RETURN(json p,
                           ParseJsonObject(AsString(proof), "IsolationInfo.Evidence.Proof"));
      SKR_ASSIGN_OR_RETURN(info.isolation.snp_report, Base64Member(p, "SnpReport", "Proof"));
      SKR_ASSIGN_OR_RETURN(Bytes chain, Base64Member(p, "VcekCertChain", "Proof"));
      info.isolation.vcek_cert_chain = AsString(chain);
    }
  } else if (info.isolation.type != "TrustedLaunch") {
    return Unsupported("IsolationInfo.Type \"" + info.isolation.type +
                       "\" (expected SevSnp, Tdx or TrustedLaunch)");
  }
  return info;
}

std::string EncodeAzureGuestRequest(const AttestationInfo& info) {
  json j = {{"AttestationInfo", Base64UrlEncode(AsBytes(AttestationInfoToJson(info).dump()))}};
  return j.dump();
}

Result<AttestationInfo> ParseAzureGuestRequest(std::string_view body) {
  SKR_ASSIGN_OR_RETURN(json j, ParseJsonObject(body, "AzureGuest request body"));
  SKR_ASSIGN_OR_RETURN(Bytes decoded, Base64Member(j, "AttestationInfo", "AzureGuest request"));
  SKR_ASSIGN_OR_RETURN(json info, ParseJsonObject(AsString(decoded), "decoded AttestationInfo"));
  return AttestationInfoFromJson(info);
}

std::string EncodeSealedToken(const SealedToken& s) {
  json j = {{"Jwt", Base64Encode(s.jwt_ciphertext)},
            {"EncryptedInnerKey", Base64Encode(s.encrypted_inner_key)},
            {"EncryptionParams",
             {{"BlockMode", "ChainingModeGCM"},
              {"BlockPadding", "PKCS7"},
              {"Cipher", "AES"},
              {"KeySizeInBits", s.key_size_bits},
              {"Iv", Base64Encode(s.iv)}}},
            {"AuthenticationData", Base64Encode(s.tag)}};
  return Base64UrlEncode(AsBytes(j.dump()));
}

Result<SealedToken> ParseSealedToken(std::string_view token) {
  auto decoded = Base64DecodeAny(token);
  if (!decoded.ok()) return decoded.error().WithContext("sealed AzureGuest token");
  SKR_ASSIGN_OR_RETURN(json j, ParseJsonObject(AsString(*decoded), "sealed AzureGuest token"));
  SealedToken s;
  SKR_ASSIGN_OR_RETURN(s.jwt_ciphertext, Base64Member(j, "Jwt", "sealed token"));
  SKR_ASSIGN_OR_RETURN(s.encrypted_inner_key, Base64Member(j, "EncryptedInnerKey", "sealed token"));
  SKR_ASSIGN_OR_RETURN(s.tag, Base64Member(j, "AuthenticationData", "sealed token"));
  const json* params = Member(j, "EncryptionParams");
  if (params == nullptr || !params->is_object()) {
    return Malformed("sealed token: missing object \"EncryptionParams\"");
  }
  SKR_ASSIGN_OR_RETURN(s.iv, Base64Member(*params, "Iv", "EncryptionParams"));
  SKR_ASSIGN_OR_RETURN(s.key_size_bits, UintMember(*params, "KeySizeInBits", "EncryptionParams"));
  SKR_ASSIGN_OR_RETURN(std::string mode, StringMember(*params, "BlockMode", "EncryptionParams"));
  if (mode != "ChainingModeGCM") {
    return Unsupported("sealed token: BlockMode \"" + mode + "\" (only ChainingModeGCM)");
  }
  return s;
}

Result<std::string> ParseTokenResponse(std::string_view body) {
  SKR_ASSIGN_OR_RETURN(json j, ParseJsonObject(body, "attestation response"));
  return StringMember(j, "token", "attestation response");
}

Result<SealedToken> SealJwt(std::string_view jwt, const crypto::PublicKey& ephemeral_key,
                            ByteView aes_key, ByteView iv) {
  if (aes_key.size() != 32) {
    return InvalidArgument("sealing key must be 32 bytes (AES-256), got " +
                           std::to_string(aes_key.size()));
  }
  SealedToken s;
  SKR_ASSIGN_OR_RETURN(crypto::AesGcmSealed gcm,
                       crypto::AesGcmEncrypt(aes_key, iv, AsBytes(jwt), AsBytes(kSealedTokenAad)));
  s.jwt_ciphertext = std::move(gcm.ciphertext);
  s.tag = std::move(gcm.tag);
  s.iv = ToBytes(iv);
  SKR_ASSIGN_OR_RETURN(s.encrypted_inner_key, crypto::RsaPkcs1Encrypt(ephemeral_key, aes_key));
  s.key_size_bits = 256;
  return s;
}

Result<std::string> OpenSealedJwt(
    const SealedToken& sealed,
    const std::function<Result<Bytes>(ByteView encrypted_inner_key)>& decrypt_inner_key) {
  auto key = decrypt_inner_key(sealed.encrypted_inner_key);
  if (!key.ok()) return key.error().WithContext("decrypting the sealed token's inner key");
  if (key->size() * 8 != sealed.key_size_bits) {
    return VerificationFailed("sealed token inner key is " + std::to_string(key->size() * 8) +
                              " bits, EncryptionParams.KeySizeInBits says " +
                              std::to_string(sealed.key_size_bits));
  }
  auto jwt = crypto::AesGcmDecrypt(*key, sealed.iv, sealed.jwt_ciphertext, AsBytes(kSealedTokenAad),
                                   sealed.tag);
  if (!jwt.ok()) return jwt.error().WithContext("decrypting the sealed JWT (AES-GCM)");
  return AsString(*jwt);
}

}  // namespace skr::maa
