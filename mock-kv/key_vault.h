// mock-kv: an Azure Key Vault keys data plane with Secure Key Release (skr-protocol.md 4), as an
// in-process HTTP(S) service. Start it on port 0, point a client at url(), Stop() it.
#ifndef SKR_MOCK_KV_KEY_VAULT_H_
#define SKR_MOCK_KV_KEY_VAULT_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/clock.h"
#include "libskr/base/result.h"
#include "libskr/http/server.h"
#include "libskr/x509/certificate.h"
#include "mock-kv/token_verifier.h"

namespace skr::mock_kv {

// Key permissions of one identity (Key Vault access-policy model, skr-protocol.md 4.6):
// get, list, update, create, import, delete, recover, purge, release ("all" grants every one).
struct AccessPolicy {
  std::string object_id;  // the bearer token's "oid"
  std::vector<std::string> key_permissions;
};

struct KeyVaultOptions {
  http::ServerOptions server;  // listen address, TLS identity, limits
  Bytes seed;                  // keys, version ids and the release signer derive from it
  // Base URL used in "kid" values and the release payload; empty: the server's own url().
  std::string vault_url;
  std::string location = "eastus";     // only used in 403 messages
  std::shared_ptr<const Clock> clock;  // default: the system clock
  AttestationTrust attestation;
  bool require_auth = true;  // false: no bearer token and no access policy checks
  IdentityTrust identity;
  std::vector<AccessPolicy> access_policies;
  bool premium = true;        // false: a standard vault (no HSM keys, no exportable keys)
  int recoverable_days = 90;  // soft-delete retention (7-90)
  // Durable store in this directory (SQLite); nullopt: in memory only.
  std::optional<std::filesystem::path> data_dir;
  // AES-256 key for the material at rest; nullopt: derived from the seed
  // (Drbg(seed, "mock-kv/storage-key"), 32 bytes).
  std::optional<Bytes> storage_key;
};

class KeyVaultService {
 public:
  static Result<std::unique_ptr<KeyVaultService>> Start(KeyVaultOptions options);
  ~KeyVaultService();

  std::string url() const;        // where the server listens
  std::string vault_url() const;  // the base used in kids
  uint16_t port() const;
  void Stop();

  // The current material of a key version (PKCS#8 DER for RSA/EC, raw for oct), read in process
  // for tests and tools; version "" = the current one. kNotFound if absent or deleted.
  Result<Bytes> ExportKeyMaterial(const std::string& name, const std::string& version = "") const;
  // The release JWS certificate chain, leaf first; its last element is the trust anchor.
  std::vector<x509::Certificate> release_signing_chain() const;
  // Adds or replaces the access policy of an object id.
  void SetAccessPolicy(AccessPolicy policy);

  class Impl;

 private:
  explicit KeyVaultService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace skr::mock_kv

#endif  // SKR_MOCK_KV_KEY_VAULT_H_
