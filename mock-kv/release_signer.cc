#include "mock-kv/release_signer.h"

#include <map>
#include <mutex>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/drbg.h"
#include "libskr/encoding/encoding.h"
#include "libskr/jose/jws.h"
#include "libskr/jose/thumbprint.h"
#include "libskr/x509/builder.h"

namespace skr::mock_kv {

namespace {

constexpr std::time_t kNotBefore = 1577836800;  // 2020-01-01T00:00:00Z
constexpr std::time_t kNotAfter = 2524607999;   // 2049-12-31T23:59:59Z

}  // namespace

Result<std::shared_ptr<const ReleaseSigner>> ReleaseSigner::Get(ByteView seed,
                                                                const std::string& vault_host) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const ReleaseSigner>> cache;
  std::string cache_key = encoding::HexEncode(seed) + "|" + vault_host;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(cache_key);
  if (it != cache.end()) return it->second;

  crypto::Drbg root_drbg(seed, "mock-kv/release-signer/root");
  crypto::Drbg leaf_drbg(seed, "mock-kv/release-signer/leaf/" + vault_host);
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey root_key, crypto::DeriveRsaKey(root_drbg, 2048));
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey leaf_key, crypto::DeriveRsaKey(leaf_drbg, 2048));
  x509::DistinguishedName root_name = {
      {"C", "US"}, {"O", "skr-harness"}, {"CN", "skr-harness mock-kv Root CA"}};
  x509::CertificateSpec root;
  root.serial = root_drbg.Generate(16);
  root.serial[0] = (root.serial[0] & 0x7F) | 0x01;
  root.issuer = root_name;
  root.subject = root_name;
  root.not_before = kNotBefore;
  root.not_after = kNotAfter;
  root.subject_key = root_key.public_key();
  root.basic_constraints_ca = true;
  root.key_usage = x509::kKeyUsageKeyCertSign | x509::kKeyUsageCrlSign;
  root.subject_key_identifier = true;
  SKR_ASSIGN_OR_RETURN(
      x509::Certificate root_cert,
      x509::SignCertificate(root, root_key, x509::SignatureAlgorithm::kRsaPkcs1Sha256));
  x509::CertificateSpec leaf;
  leaf.serial = leaf_drbg.Generate(16);
  leaf.serial[0] = (leaf.serial[0] & 0x7F) | 0x01;
  leaf.issuer = root_name;
  leaf.subject = {{"C", "US"}, {"O", "skr-harness"}, {"CN", vault_host}};
  leaf.not_before = kNotBefore;
  leaf.not_after = kNotAfter;
  leaf.subject_key = leaf_key.public_key();
  leaf.basic_constraints_ca = false;
  leaf.key_usage = x509::kKeyUsageDigitalSignature;
  leaf.subject_key_identifier = true;
  leaf.authority_key_identifier = true;
  SKR_ASSIGN_OR_RETURN(
      x509::Certificate leaf_cert,
      x509::SignCertificate(leaf, root_key, x509::SignatureAlgorithm::kRsaPkcs1Sha256));
  std::shared_ptr<const ReleaseSigner> s(new ReleaseSigner(leaf_key, {leaf_cert, root_cert}));
  cache[cache_key] = s;
  return s;
}

Result<std::string> ReleaseSigner::Sign(const nlohmann::ordered_json& payload) const {
  const x509::Certificate& leaf = chain_.front();
  nlohmann::json header = {{"alg", "RS256"},
                           {"kid", jose::KeyVaultCertificateKid(leaf)},
                           {"x5t", jose::CertificateX5t(leaf)},
                           {"typ", "JWT"},
                           {"x5t#S256", jose::CertificateX5tS256(leaf)}};
  nlohmann::json x5c = nlohmann::json::array();
  for (const auto& c : chain_) x5c.push_back(encoding::Base64Encode(c.ToDer()));
  header["x5c"] = x5c;
  return jose::SignCompact(header, AsBytes(payload.dump()), jose::JwsAlg::kRs256, key_);
}

}  // namespace skr::mock_kv
