// SQLite persistence for mock-kv (key_store.h).
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "libskr/crypto/aead.h"
#include "libskr/crypto/digest.h"
#include "libskr/encoding/encoding.h"
#include "mock-kv/key_store.h"

namespace skr::mock_kv {

using nlohmann::json;

namespace {

constexpr std::string_view kCheckPlaintext = "mock-kv storage key check v1";

Result<std::string> Seal(ByteView key, ByteView plaintext, std::string_view aad) {
  Bytes iv = crypto::RandomBytes(12);
  SKR_ASSIGN_OR_RETURN(crypto::AesGcmSealed s,
                       crypto::AesGcmEncrypt(key, iv, plaintext, AsBytes(aad)));
  return encoding::Base64Encode(Concat(Concat(iv, s.ciphertext), s.tag));
}

Result<Bytes> Open(ByteView key, std::string_view sealed, std::string_view aad) {
  SKR_ASSIGN_OR_RETURN(Bytes blob, encoding::Base64DecodeAny(sealed));
  if (blob.size() < 12 + crypto::kAesGcmTagSize) return Malformed("sealed value too short");
  ByteView b(blob);
  auto r = crypto::AesGcmDecrypt(key, b.first(12), b.subspan(12, b.size() - 12 - 16), AsBytes(aad),
                                 b.last(16));
  if (!r.ok()) {
    return VerificationFailed("mock-kv storage: cannot decrypt " + std::string(aad) +
                              " (wrong storage key, or the database was modified)");
  }
  return std::move(r).value();
}

Result<json> ToJson(const KeyObject& k, ByteView key) {
  json versions = json::array();
  for (const auto& v : k.versions) {
    json jv = {{"version", v.version},       {"kty", v.kty},         {"key_ops", v.key_ops},
               {"enabled", v.enabled},       {"created", v.created}, {"updated", v.updated},
               {"exportable", v.exportable}, {"tags", v.tags}};
    if (v.nbf) jv["nbf"] = *v.nbf;
    if (v.exp) jv["exp"] = *v.exp;
    if (v.release_policy) {
      jv["release_policy"] = {{"contentType", v.release_policy->content_type},
                              {"immutable", v.release_policy->immutable},
                              {"policy", v.release_policy->canonical_json}};
    }
    SKR_ASSIGN_OR_RETURN(std::string sealed,
                         Seal(key, v.material, "mock-kv/" + k.name + "/" + v.version));
    jv["material"] = sealed;
    versions.push_back(std::move(jv));
  }
  return json{{"name", k.name},
              {"versions", versions},
              {"versions_created", k.versions_created},
              {"deleted", k.deleted},
              {"deleted_date", k.deleted_date},
              {"scheduled_purge_date", k.scheduled_purge_date}};
}

Result<KeyObject> FromJson(const json& j, ByteView key) {
  try {
    KeyObject k;
    k.name = j.at("name").get<std::string>();
    k.versions_created = j.at("versions_created").get<uint64_t>();
    k.deleted = j.at("deleted").get<bool>();
    k.deleted_date = j.at("deleted_date").get<int64_t>();
    k.scheduled_purge_date = j.at("scheduled_purge_date").get<int64_t>();
    for (const auto& jv : j.at("versions")) {
      KeyVersion v;
      v.version = jv.at("version").get<std::string>();
      v.kty = jv.at("kty").get<std::string>();
      v.key_ops = jv.at("key_ops").get<std::vector<std::string>>();
      v.enabled = jv.at("enabled").get<bool>();
      v.created = jv.at("created").get<int64_t>();
      v.updated = jv.at("updated").get<int64_t>();
      v.exportable = jv.at("exportable").get<bool>();
      v.tags = jv.at("tags").get<std::map<std::string, std::string>>();
      if (jv.contains("nbf")) v.nbf = jv["nbf"].get<int64_t>();
      if (jv.contains("exp")) v.exp = jv["exp"].get<int64_t>();
      if (jv.contains("release_policy")) {
        StoredReleasePolicy p;
        p.content_type = jv["release_policy"].at("contentType").get<std::string>();
        p.immutable = jv["release_policy"].at("immutable").get<bool>();
        p.canonical_json = jv["release_policy"].at("policy").get<std::string>();
        v.release_policy = p;
      }
      SKR_ASSIGN_OR_RETURN(v.material, Open(key, jv.at("material").get<std::string>(),
                                            "mock-kv/" + k.name + "/" + v.version));
      k.versions.push_back(std::move(v));
    }
    return k;
  } catch (const json::exception& e) {
    return Malformed(std::string("mock-kv storage: a key row is not in the expected form: ") +
                     e.what());
  }
}

class SqlitePersistence final : public KeyPersistence {
 public:
  SqlitePersistence(sqlite3* db, Bytes key) : db_(db), key_(std::move(key)) {}
  ~SqlitePersistence() override { sqlite3_close(db_); }

  Result<void> Put(const KeyObject& k) override {
    SKR_ASSIGN_OR_RETURN(json j, ToJson(k, key_));
    return Exec("INSERT OR REPLACE INTO keys(name, doc) VALUES(?1, ?2)", k.name, j.dump());
  }
  Result<void> Remove(const std::string& name) override {
    return Exec("DELETE FROM keys WHERE name = ?1", name, std::nullopt);
  }
  Result<std::vector<KeyObject>> LoadAll() override {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT doc FROM keys ORDER BY name", -1, &st, nullptr) !=
        SQLITE_OK) {
      return Unavailable(std::string("mock-kv storage: ") + sqlite3_errmsg(db_));
    }
    std::vector<KeyObject> out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      std::string doc(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                      static_cast<size_t>(sqlite3_column_bytes(st, 0)));
      json j = json::parse(doc, nullptr, false);
      if (j.is_discarded()) {
        sqlite3_finalize(st);
        return Malformed("mock-kv storage: a key row is not JSON");
      }
      auto k = FromJson(j, key_);
      if (!k.ok()) {
        sqlite3_finalize(st);
        return k.error();
      }
      out.push_back(std::move(k).value());
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
      return Unavailable(std::string("mock-kv storage: ") + sqlite3_errmsg(db_));
    return out;
  }

  Result<void> Exec(const char* sql, const std::string& a, const std::optional<std::string>& b) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) {
      return Unavailable(std::string("mock-kv storage: ") + sqlite3_errmsg(db_));
    }
    sqlite3_bind_text(st, 1, a.data(), static_cast<int>(a.size()), SQLITE_TRANSIENT);
    if (b) sqlite3_bind_text(st, 2, b->data(), static_cast<int>(b->size()), SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
      return Unavailable(std::string("mock-kv storage: write failed: ") + sqlite3_errmsg(db_));
    }
    return Ok();
  }

 private:
  sqlite3* db_;
  Bytes key_;
};

}  // namespace

Result<std::unique_ptr<KeyPersistence>> OpenSqlitePersistence(const std::filesystem::path& dir,
                                                              ByteView storage_key) {
  if (storage_key.size() != 32) {
    return InvalidArgument("mock-kv storage key must be 32 bytes, got " +
                           std::to_string(storage_key.size()));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Unavailable("mock-kv storage: cannot create " + dir.string() + ": " + ec.message());
  std::string path = (dir / "mock-kv.sqlite3").string();
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Unavailable("mock-kv storage: cannot open " + path + ": " + msg);
  }
  auto p = std::make_unique<SqlitePersistence>(db, ToBytes(storage_key));
  char* err = nullptr;
  const char* schema =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS keys(name TEXT PRIMARY KEY, doc TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);";
  if (sqlite3_exec(db, schema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return Unavailable("mock-kv storage: cannot create the schema in " + path + ": " + msg);
  }
  // The storage-key check value.
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k = 'key_check'", -1, &st, nullptr);
  std::optional<std::string> check;
  if (sqlite3_step(st) == SQLITE_ROW) {
    check = std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  sqlite3_finalize(st);
  if (check) {
    auto opened = Open(storage_key, *check, "mock-kv/key_check");
    if (!opened.ok() || AsString(*opened) != kCheckPlaintext) {
      return VerificationFailed("mock-kv storage: " + path +
                                " was written with a different storage key (check --data-key or "
                                "--seed)");
    }
  } else {
    SKR_ASSIGN_OR_RETURN(std::string sealed,
                         Seal(storage_key, AsBytes(kCheckPlaintext), "mock-kv/key_check"));
    SKR_RETURN_IF_ERROR(
        p->Exec("INSERT INTO meta(k, v) VALUES('key_check', ?1)", sealed, std::nullopt));
  }
  return std::unique_ptr<KeyPersistence>(std::move(p));
}

}  // namespace skr::mock_kv
