// The vault's key objects (name -> versions, soft-delete state) and how they are persisted:
// in memory by default, or in SQLite with the key material encrypted at rest.
#ifndef SKR_MOCK_KV_KEY_STORE_H_
#define SKR_MOCK_KV_KEY_STORE_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "mock-kv/release_policy.h"

namespace skr::mock_kv {

struct KeyVersion {
  std::string version;  // 32 lower-case hex characters
  std::string kty;      // as created: RSA, RSA-HSM, EC, EC-HSM, oct-HSM
  std::vector<std::string> key_ops;
  Bytes material;  // PKCS#8 DER (RSA, EC) or the raw key (oct-HSM)
  bool enabled = true;
  std::optional<int64_t> nbf, exp;
  int64_t created = 0, updated = 0;
  bool exportable = false;
  std::optional<StoredReleasePolicy> release_policy;
  std::map<std::string, std::string> tags;
};

struct KeyObject {
  std::string name;
  std::vector<KeyVersion> versions;  // creation order; back() is the current version
  uint64_t versions_created = 0;     // drives the deterministic derivation of the next version
  bool deleted = false;
  int64_t deleted_date = 0;
  int64_t scheduled_purge_date = 0;
};

// Where key objects live between restarts. Implementations are called with the vault's lock held.
class KeyPersistence {
 public:
  virtual ~KeyPersistence() = default;
  virtual Result<void> Put(const KeyObject& key) = 0;  // insert or replace by name
  virtual Result<void> Remove(const std::string& name) = 0;
  virtual Result<std::vector<KeyObject>> LoadAll() = 0;
};

// SQLite database `<dir>/mock-kv.sqlite3`, one row per key object: its metadata as JSON, each
// version's material sealed with AES-256-GCM under `storage_key` (32 bytes; random 12-byte IV per
// write; AAD "mock-kv/<name>/<version>"). A check value sealed under the key is stored on first
// use, so opening with a different key fails instead of returning garbage. kUnavailable when the
// directory or database cannot be opened, kVerificationFailed for a wrong key or tampered row.
Result<std::unique_ptr<KeyPersistence>> OpenSqlitePersistence(const std::filesystem::path& dir,
                                                              ByteView storage_key);

}  // namespace skr::mock_kv

#endif  // SKR_MOCK_KV_KEY_STORE_H_
