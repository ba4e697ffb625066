// The vault's release-response signer (skr-protocol.md 4.4): an RSA-2048 key and a two-certificate
// chain (leaf "CN=<vault host>" under a mock root), both derived from the seed, signing the
// release payload as a JWS with RS256 and the header members kid (upper-case hex SHA-1 of the
// leaf), x5t, x5t#S256, typ "JWT" and x5c (leaf first).
#ifndef SKR_MOCK_KV_RELEASE_SIGNER_H_
#define SKR_MOCK_KV_RELEASE_SIGNER_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/x509/certificate.h"

namespace skr::mock_kv {

class ReleaseSigner {
 public:
  // Deterministic from (seed, vault_host); cached per process because RSA derivation is slow.
  static Result<std::shared_ptr<const ReleaseSigner>> Get(ByteView seed,
                                                          const std::string& vault_host);

  const std::vector<x509::Certificate>& chain() const { return chain_; }  // leaf, root
  const x509::Certificate& root() const { return chain_.back(); }
  Result<std::string> Sign(const nlohmann::ordered_json& payload) const;

 private:
  ReleaseSigner(crypto::PrivateKey key, std::vector<x509::Certificate> chain)
      : key_(std::move(key)), chain_(std::move(chain)) {}
  crypto::PrivateKey key_;
  std::vector<x509::Certificate> chain_;
};

}  // namespace skr::mock_kv

#endif  // SKR_MOCK_KV_RELEASE_SIGNER_H_
