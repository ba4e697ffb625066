#include "libskr/maa/requests.h"

#include <gtest/gtest.h>

#include "libskr/crypto/keys.h"
#include "libskr/crypto/rsa_encrypt.h"
#include "libskr/encoding/encoding.h"

namespace skr::maa {
namespace {

using nlohmann::json;

Bytes Pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 11);
  return b;
}

TEST(SevSnpVmRequest, RoundTripsAndUsesTheRealEnvelope) {
  SevSnpVmRequest r;
  r.snp_report = Pattern(1184, 3);
  r.vcek_cert_chain = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
  r.runtime_data = TypedData{ToBytes(AsBytes("{\"keys\":[]}")), "JSON"};
  r.nonce = "n-1";
  std::string body = EncodeSevSnpVmRequest(r);
  json j = json::parse(body);
  // report = base64url(JSON {SnpReport, VcekCertChain}) (skr-protocol.md 1.2).
  auto inner = encoding::Base64UrlDecode(j["report"].get<std::string>());
  ASSERT_TRUE(inner.ok());
  json report = json::parse(AsString(*inner));
  EXPECT_TRUE(report.contains("SnpReport"));
  EXPECT_TRUE(report.contains("VcekCertChain"));
  EXPECT_EQ(j["runtimeData"]["dataType"], "JSON");

  auto back = ParseSevSnpVmRequest(body);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->snp_report, r.snp_report);
  EXPECT_EQ(back->vcek_cert_chain, r.vcek_cert_chain);
  ASSERT_TRUE(back->runtime_data.has_value());
  EXPECT_EQ(back->runtime_data->data, r.runtime_data->data);
  EXPECT_EQ(back->nonce, "n-1");
}

TEST(SevSnpVmRequest, AcceptsPaddedStandardBase64AndNumericNonce) {
  // The confidential sidecar sends padded base64url and a numeric nonce (skr-protocol.md 1.2).
  json report = {{"SnpReport", encoding::Base64Encode(Pattern(1184, 1))},
                 {"VcekCertChain", encoding::Base64Encode(AsBytes("PEM"))}};
  json j = {
      {"report", encoding::Base64EncodeWith(AsBytes(report.dump()), encoding::Base64Alphabet::kUrl,
                                            encoding::Base64Padding::kWith)},
      {"nonce", 1234567890123}};
  auto r = ParseSevSnpVmRequest(j.dump());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->snp_report, Pattern(1184, 1));
  EXPECT_EQ(r->nonce, "1234567890123");
}

TEST(SevSnpVmRequest, RejectsMalformedBodiesNamingTheField) {
  struct Case {
    std::string body;
    std::string says;
  };
  const Case cases[] = {
      {"not json", "not valid JSON"},
      {"[]", "JSON object"},
      {"{}", "\"report\""},
      {R"({"report": 5})", "must be a string"},
      {R"({"report": "!!!"})", "report"},
      {R"({"report": "e30"})", "SnpReport"},  // base64url("{}")
      {json({{"report",
              encoding::Base64UrlEncode(AsBytes(R"({"SnpReport":"AA","VcekCertChain":"AA"})"))},
             {"runtimeData", {{"data", "AA"}, {"dataType", "XML"}}}})
           .dump(),
       "dataType"},
      {json({{"report",
              encoding::Base64UrlEncode(AsBytes(R"({"SnpReport":"AA","VcekCertChain":"AA"})"))},
             {"nonce", json::array()}})
           .dump(),
       "nonce"},
  };
  for (const Case& c : cases) {
    auto r = ParseSevSnpVmRequest(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_NE(r.error().message().find(c.says), std::string::npos)
        << c.body << " -> " << r.error().ToString();
  }
}

TEST(TdxVmRequest, RoundTrips) {
  TdxVmRequest r;
  r.quote = Pattern(5006, 9);
  r.runtime_data = TypedData{Pattern(40, 2), "Binary"};
  auto back = ParseTdxVmRequest(EncodeTdxVmRequest(r));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->quote, r.quote);
  EXPECT_EQ(back->runtime_data->data_type, "Binary");
  EXPECT_FALSE(ParseTdxVmRequest(R"({"quote": 1})").ok());
}

AttestationInfo SampleInfo(const std::string& type) {
  AttestationInfo info;
  info.client_payload["nonce"] = "1234";
  info.tpm.aik_cert = Pattern(700, 1);
  info.tpm.aik_pub = Pattern(280, 2);
  info.tpm.pcr_quote = Pattern(145, 3);
  info.tpm.pcr_signature = Pattern(256, 4);
  info.tpm.pcr_set = {0, 1, 2, 3, 4, 5, 6, 7};
  for (uint32_t i = 0; i < 8; ++i) info.tpm.pcrs[i] = Pattern(32, static_cast<uint8_t>(i));
  info.tpm.enc_key_pub = Pattern(280, 5);
  info.tpm.enc_key_certify_info = Pattern(150, 6);
  info.tpm.enc_key_certify_info_signature = Pattern(256, 7);
  info.isolation.type = type;
  info.isolation.snp_report = type == "SevSnp" ? Pattern(1184, 8) : Bytes{};
  info.isolation.vcek_cert_chain = type == "SevSnp" ? "PEM CHAIN" : "";
  info.isolation.td_quote = type == "Tdx" ? Pattern(5000, 9) : Bytes{};
  info.isolation.runtime_data = ToBytes(AsBytes("{\"keys\":[]}"));
  return info;
}

TEST(AzureGuestRequest, RoundTripsWithTheGuestLibraryEncodings) {
  for (const std::string type : {"SevSnp", "Tdx"}) {
    AttestationInfo info = SampleInfo(type);
    std::string body = EncodeAzureGuestRequest(info);
    json outer = json::parse(body);
    ASSERT_TRUE(outer.contains("AttestationInfo"));
    auto decoded = encoding::Base64UrlDecode(outer["AttestationInfo"].get<std::string>());
    ASSERT_TRUE(decoded.ok());
    json j = json::parse(AsString(*decoded));
    // Inner fields are standard base64 of the text (skr-protocol.md 1.4).
    EXPECT_EQ(j["OSType"], encoding::Base64Encode(AsBytes("Linux")));
    EXPECT_EQ(j["ClientPayload"]["nonce"], encoding::Base64Encode(AsBytes("1234")));
    EXPECT_EQ(j["TpmInfo"]["PcrSet"].size(), 8u);
    EXPECT_EQ(j["IsolationInfo"]["Type"], type);

    auto back = ParseAzureGuestRequest(body);
    ASSERT_TRUE(back.ok()) << back.error().ToString();
    EXPECT_EQ(back->client_payload.at("nonce"), "1234");
    EXPECT_EQ(back->tpm.aik_cert, info.tpm.aik_cert);
    EXPECT_EQ(back->tpm.pcrs.at(7), info.tpm.pcrs.at(7));
    EXPECT_EQ(back->tpm.enc_key_certify_info_signature, info.tpm.enc_key_certify_info_signature);
    EXPECT_EQ(back->isolation.snp_report, info.isolation.snp_report);
    EXPECT_EQ(back->isolation.vcek_cert_chain, info.isolation.vcek_cert_chain);
    EXPECT_EQ(back->isolation.td_quote, info.isolation.td_quote);
    EXPECT_EQ(back->isolation.runtime_data, info.isolation.runtime_data);
  }
}

TEST(AzureGuestRequest, KeyIsCaseInsensitiveAndNumbersMayBeStrings) {
  json j = AttestationInfoToJson(SampleInfo("SevSnp"));
  j["OSVersionMajor"] = "22";  // the Python tool sends strings
  json outer = {{"attestationInfo", encoding::Base64UrlEncode(AsBytes(j.dump()))}};
  auto r = ParseAzureGuestRequest(outer.dump());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->os_version_major, 22u);
}

TEST(AzureGuestRequest, RejectsBrokenEvidenceNamingTheField) {
  auto with = [](const std::function<void(json&)>& mutate) {
    json j = AttestationInfoToJson(SampleInfo("SevSnp"));
    mutate(j);
    return json({{"AttestationInfo", encoding::Base64UrlEncode(AsBytes(j.dump()))}}).dump();
  };
  struct Case {
    std::string body;
    std::string says;
  };
  const Case cases[] = {
      {with([](json& j) { j.erase("TpmInfo"); }), "TpmInfo"},
      {with([](json& j) {
         j["TpmInfo"]["PcrSet"] = {0, 24};
       }),
       "PcrSet"},
      {with([](json& j) { j["TpmInfo"]["PCRs"][0]["Index"] = 99; }), "Index"},
      {with([](json& j) { j["TpmInfo"]["AikCert"] = "%%"; }), "AikCert"},
      {with([](json& j) { j["IsolationInfo"]["Type"] = "Sgx"; }), "Sgx"},
      {with([](json& j) { j["IsolationInfo"].erase("Evidence"); }), "Evidence"},
      {with([](json& j) { j["IsolationInfo"]["Evidence"]["Proof"] = "bm90IGpzb24="; }), "Proof"},
      {with([](json& j) { j["OSVersionMajor"] = -1; }), "OSVersionMajor"},
      {R"({"AttestationInfo": "bm90IGpzb24"})", "AttestationInfo"},
      {R"({"Other": 1})", "AttestationInfo"},
  };
  for (const Case& c : cases) {
    auto r = ParseAzureGuestRequest(c.body);
    ASSERT_FALSE(r.ok()) << c.says;
    EXPECT_NE(r.error().message().find(c.says), std::string::npos) << r.error().ToString();
  }
}

TEST(SealedToken, SealsToTheEphemeralKeyAndOpensOnlyWithIt) {
  auto key = crypto::GenerateRsaKey(2048);
  ASSERT_TRUE(key.ok());
  const std::string jwt = "eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln";
  Bytes aes = Pattern(32, 0x42), iv = Pattern(12, 0x24);
  auto sealed = SealJwt(jwt, key->public_key(), aes, iv);
  ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
  std::string token = EncodeSealedToken(*sealed);
  // The real field names (skr-protocol.md 1.5).
  json j = json::parse(AsString(*encoding::Base64UrlDecode(token)));
  for (const char* f : {"Jwt", "EncryptedInnerKey", "EncryptionParams", "AuthenticationData"}) {
    EXPECT_TRUE(j.contains(f)) << f;
  }
  EXPECT_EQ(j["EncryptionParams"]["KeySizeInBits"], 256);
  EXPECT_EQ(j["EncryptionParams"]["BlockMode"], "ChainingModeGCM");

  auto parsed = ParseSealedToken(token);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  auto decrypt = [&](ByteView ct) { return crypto::RsaPkcs1Decrypt(*key, ct); };
  auto opened = OpenSealedJwt(*parsed, decrypt);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  EXPECT_EQ(*opened, jwt);

  // A flipped ciphertext or tag byte, or another key, opens nothing.
  SealedToken bad = *parsed;
  bad.jwt_ciphertext[3] ^= 1;
  EXPECT_FALSE(OpenSealedJwt(bad, decrypt).ok());
  bad = *parsed;
  bad.tag[0] ^= 1;
  EXPECT_FALSE(OpenSealedJwt(bad, decrypt).ok());
  auto other = crypto::GenerateRsaKey(2048);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(OpenSealedJwt(*parsed, [&](ByteView ct) {
                 return crypto::RsaPkcs1Decrypt(*other, ct);
               }).ok());
  EXPECT_FALSE(SealJwt(jwt, key->public_key(), Pattern(16, 1), iv).ok());
  EXPECT_FALSE(ParseSealedToken("bm90IGpzb24").ok());
  EXPECT_FALSE(ParseTokenResponse(R"({"nottoken": 1})").ok());
  EXPECT_EQ(*ParseTokenResponse(R"({"token": "a.b.c"})"), "a.b.c");
}

}  // namespace
}  // namespace skr::maa
