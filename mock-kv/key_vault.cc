// HTTP surface and operations of mock-kv. Error codes and messages follow skr-protocol.md 4.5 and
// real Key Vault responses where known; README.md lists the ones that are the mock's own.
#include "mock-kv/key_vault.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>

#include "libskr/crypto/drbg.h"
#include "mock-kv/key_hsm.h"
#include "mock-kv/key_material.h"
#include "mock-kv/key_store.h"
#include "mock-kv/release_policy.h"
#include "mock-kv/release_signer.h"

namespace skr::mock_kv {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

// api-versions this data plane serves (skr-protocol.md 4.1, 6.13).
const std::vector<std::string> kApiVersions = {"7.3", "7.4", "7.5", "7.6"};
constexpr std::string_view kJsonType = "application/json; charset=utf-8";

struct KvError {
  int status;
  std::string code;
  std::string message;
  std::string inner_code;  // innererror.code, when the real service sends one
};

KvError BadParameter(std::string m) { return {400, "BadParameter", std::move(m), ""}; }
KvError Forbidden(std::string m, std::string inner = "") {
  return {403, "Forbidden", std::move(m), std::move(inner)};
}
KvError KeyNotFound(const std::string& id) {
  return {404, "KeyNotFound",
          "A key with (name/id) " + id +
              " was not found in this key vault. If you recently deleted this key you may be able "
              "to recover it using the correct recovery command. For help resolving this issue, "
              "please see https://go.microsoft.com/fwlink/?linkid=2125182",
          ""};
}

bool ValidKeyName(const std::string& n) {
  if (n.empty() || n.size() > 127) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

std::string HostOf(const std::string& url) {
  size_t s = url.find("://");
  size_t start = s == std::string::npos ? 0 : s + 3;
  size_t end = url.find_first_of(":/", start);
  if (start < url.size() && url[start] == '[') end = url.find(']', start) + 1;
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

class KeyVaultService::Impl {
 public:
  explicit Impl(KeyVaultOptions o) : opts_(std::move(o)) {
    if (!opts_.clock) opts_.clock = std::make_shared<SystemClock>();
  }

  Result<void> Init() {
    if (opts_.recoverable_days < 7 || opts_.recoverable_days > 90) {
      return InvalidArgument("recoverable_days must be 7 to 90, got " +
                             std::to_string(opts_.recoverable_days));
    }
    for (const auto& p : opts_.access_policies) policies_[p.object_id] = p.key_permissions;
    if (opts_.data_dir) {
      Bytes key;
      if (opts_.storage_key) {
        key = *opts_.storage_key;
      } else {
        crypto::Drbg d(opts_.seed, "mock-kv/storage-key");
        key = d.Generate(32);
      }
      SKR_ASSIGN_OR_RETURN(persistence_, OpenSqlitePersistence(*opts_.data_dir, key));
      SKR_ASSIGN_OR_RETURN(std::vector<KeyObject> all, persistence_->LoadAll());
      for (auto& k : all) keys_[k.name] = std::move(k);
    }
    SKR_ASSIGN_OR_RETURN(server_, http::Server::Start(opts_.server, [this](httplib::Server& s) {
                           InstallRoutes(s);
                         }));
    if (opts_.vault_url.empty()) opts_.vault_url = server_->url();
    while (!opts_.vault_url.empty() && opts_.vault_url.back() == '/') opts_.vault_url.pop_back();
    SKR_ASSIGN_OR_RETURN(signer_, ReleaseSigner::Get(opts_.seed, HostOf(opts_.vault_url)));
    ready_.store(true, std::memory_order_release);
    return Ok();
  }

  std::string url() const { return server_->url(); }
  std::string vault_url() const { return opts_.vault_url; }
  uint16_t port() const { return server_->port(); }
  void Stop() {
    if (server_) server_->Stop();
  }
  std::vector<x509::Certificate> chain() const { return signer_->chain(); }

  void SetAccessPolicy(AccessPolicy p) {
    std::lock_guard<std::mutex> l(mu_);
    policies_[p.object_id] = p.key_permissions;
  }

  Result<Bytes> Export(const std::string& name, const std::string& version) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = keys_.find(name);
    if (it == keys_.end() || it->second.deleted) return NotFound("no key named " + name);
    const KeyVersion* v = FindVersion(it->second, version);
    if (!v) return NotFound("key " + name + " has no version " + version);
    return v->material;
  }

 private:
  using Req = httplib::Request;
  using Res = httplib::Response;
  // A handler gets the request and the parsed body (null for GET/DELETE) and fills the response
  // or returns an error.
  using Handler = std::function<std::optional<KvError>(const Req&, Res&, const json& body)>;

  int64_t Now() const { return opts_.clock->Now(); }

  static void Send(Res& res, int status, const ordered_json& body) {
    res.status = status;
    res.set_content(body.dump(), std::string(kJsonType));
  }
  void SendError(Res& res, const KvError& e) const {
    ordered_json err = ordered_json::object();
    err["code"] = e.code;
    err["message"] = e.message;
    if (!e.inner_code.empty()) err["innererror"] = {{"code", e.inner_code}};
    ordered_json body = ordered_json::object();
    body["error"] = err;
    Send(res, e.status, body);
    if (e.status == 401) res.set_header("WWW-Authenticate", opts_.identity.Challenge());
  }

  // Authentication, api-version, authorization, body parsing, then the operation.
  httplib::Server::Handler Wrap(std::string permission, bool has_body, Handler h) {
    return [this, permission, has_body, h](const Req& req, Res& res) {
      // vault_url and the signer are set once the port is known, just after the server starts.
      if (!ready_.load(std::memory_order_acquire)) {
        return SendError(res, {503, "ServiceUnavailable", "The vault is starting.", ""});
      }
      std::optional<Caller> caller;
      if (opts_.require_auth) {
        auto c = VerifyBearer(req.get_header_value("Authorization"), opts_.identity, Now());
        if (!c.ok()) return SendError(res, {401, "Unauthorized", c.error().message(), ""});
        caller = *c;
      }
      if (!req.has_param("api-version")) {
        return SendError(res, BadParameter("The 'api-version' query parameter is missing."));
      }
      std::string api = req.get_param_value("api-version");
      if (std::find(kApiVersions.begin(), kApiVersions.end(), api) == kApiVersions.end()) {
        return SendError(res, BadParameter("The specified version (" + api +
                                           ") is not recognized. Consider using the latest "
                                           "supported version (" +
                                           kApiVersions.back() + ")."));
      }
      if (caller && !Allowed(caller->oid, permission)) {
        return SendError(
            res, Forbidden("The user, group or application 'appid=" + caller->appid +
                               ";oid=" + caller->oid + ";iss=" + caller->issuer +
                               "' does not have keys " + permission + " permission on key vault '" +
                               VaultName() + ";location=" + opts_.location +
                               "'. For help resolving this issue, please see "
                               "https://go.microsoft.com/fwlink/?linkid=2125287",
                           "ForbiddenByPolicy"));
      }
      json body;
      if (has_body) {
        body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
        if (body.is_discarded() || !body.is_object()) {
          return SendError(res, BadParameter("The request body is not a valid JSON object."));
        }
      }
      {
        std::lock_guard<std::mutex> l(mu_);
        PurgeExpiredLocked();
      }
      if (auto err = h(req, res, body)) SendError(res, *err);
    };
  }

  bool Allowed(const std::string& oid, const std::string& permission) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = policies_.find(oid);
    if (it == policies_.end()) return false;
    for (const auto& p : it->second) {
      if (p == permission || p == "all") return true;
    }
    return false;
  }

  std::string VaultName() const {
    std::string host = HostOf(opts_.vault_url);
    size_t dot = host.find('.');
    std::string first = host.substr(0, dot);
    bool numeric = !first.empty() && std::all_of(first.begin(), first.end(), ::isdigit);
    return (numeric || first.empty() || first.front() == '[') ? "mock-kv" : first;
  }

  void InstallRoutes(httplib::Server& s) {
    using namespace std::placeholders;
    s.Post(R"(/keys/([^/]+)/create)", Wrap("create", true, [this](auto& q, auto& r, auto& b) {
             return Create(q.matches[1], b, r);
           }));
    s.Put(R"(/keys/([^/]+))", Wrap("import", true, [this](auto& q, auto& r, auto& b) {
            return Import(q.matches[1], b, r);
          }));
    s.Post(R"(/keys/([^/]+)/release)", Wrap("release", true, [this](auto& q, auto& r, auto& b) {
             return Release(q, q.matches[1], "", b, r);
           }));
    s.Post(R"(/keys/([^/]+)/([^/]*)/release)",
           Wrap("release", true, [this](auto& q, auto& r, auto& b) {
             return Release(q, q.matches[1], q.matches[2], b, r);
           }));
    s.Get(R"(/keys/?)", Wrap("list", false, [this](auto&, auto& r, auto&) { return List(r); }));
    s.Get(R"(/keys/([^/]+)/versions)", Wrap("list", false, [this](auto& q, auto& r, auto&) {
            return ListVersions(q.matches[1], r);
          }));
    s.Get(R"(/keys/([^/]+)/?([^/]*))", Wrap("get", false, [this](auto& q, auto& r, auto&) {
            return Get(q.matches[1], q.matches[2], r);
          }));
    s.Patch(R"(/keys/([^/]+)/?([^/]*))", Wrap("update", true, [this](auto& q, auto& r, auto& b) {
              return Update(q.matches[1], q.matches[2], b, r);
            }));
    s.Delete(R"(/keys/([^/]+))", Wrap("delete", false, [this](auto& q, auto& r, auto&) {
               return Delete(q.matches[1], r);
             }));
    s.Get(R"(/deletedkeys/?)",
          Wrap("list", false, [this](auto&, auto& r, auto&) { return ListDeleted(r); }));
    s.Get(R"(/deletedkeys/([^/]+))", Wrap("get", false, [this](auto& q, auto& r, auto&) {
            return GetDeleted(q.matches[1], r);
          }));
    s.Post(R"(/deletedkeys/([^/]+)/recover)",
           Wrap("recover", false,
                [this](auto& q, auto& r, auto&) { return Recover(q.matches[1], r); }));
    s.Delete(R"(/deletedkeys/([^/]+))", Wrap("purge", false, [this](auto& q, auto& r, auto&) {
               return Purge(q.matches[1], r);
             }));
  }

  // ---- helpers over the store (mu_ held) ----

  static const KeyVersion* FindVersion(const KeyObject& k, const std::string& version) {
    if (k.versions.empty()) return nullptr;
    if (version.empty()) return &k.versions.back();
    for (const auto& v : k.versions) {
      if (v.version == version) return &v;
    }
    return nullptr;
  }
  static KeyVersion* FindVersion(KeyObject& k, const std::string& version) {
    return const_cast<KeyVersion*>(FindVersion(static_cast<const KeyObject&>(k), version));
  }

  void PurgeExpiredLocked() {
    int64_t now = Now();
    for (auto it = keys_.begin(); it != keys_.end();) {
      if (it->second.deleted && now >= it->second.scheduled_purge_date) {
        if (persistence_) (void)persistence_->Remove(it->first);
        it = keys_.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::optional<KvError> Persist(const KeyObject& k) {
    if (!persistence_) return std::nullopt;
    auto r = persistence_->Put(k);
    if (!r.ok()) return KvError{500, "InternalServerError", r.error().message(), ""};
    return std::nullopt;
  }

  std::string KeyId(const std::string& name, const std::string& version = "") const {
    return opts_.vault_url + "/keys/" + name + (version.empty() ? "" : "/" + version);
  }

  ordered_json Attributes(const KeyVersion& v) const {
    ordered_json a = ordered_json::object();
    a["enabled"] = v.enabled;
    if (v.nbf) a["nbf"] = *v.nbf;
    if (v.exp) a["exp"] = *v.exp;
    a["created"] = v.created;
    a["updated"] = v.updated;
    a["recoveryLevel"] =
        opts_.recoverable_days == 90 ? "Recoverable+Purgeable" : "CustomizedRecoverable+Purgeable";
    a["recoverableDays"] = opts_.recoverable_days;
    a["exportable"] = v.exportable;
    return a;
  }

  Result<ordered_json> Bundle(const KeyObject& k, const KeyVersion& v) const {
    ordered_json b = ordered_json::object();
    SKR_ASSIGN_OR_RETURN(b["key"],
                         PublicJwk(KeyId(k.name, v.version), v.kty, v.key_ops, v.material));
    b["attributes"] = Attributes(v);
    if (!v.tags.empty()) b["tags"] = v.tags;
    if (v.release_policy) b["release_policy"] = RestReleasePolicyJson(*v.release_policy);
    return b;
  }

  ordered_json DeletedHeader(const KeyObject& k) const {
    ordered_json d = ordered_json::object();
    d["recoveryId"] = opts_.vault_url + "/deletedkeys/" + k.name;
    d["deletedDate"] = k.deleted_date;
    d["scheduledPurgeDate"] = k.scheduled_purge_date;
    return d;
  }

  std::optional<KvError> SendBundle(Res& res, const KeyObject& k, const KeyVersion& v,
                                    std::optional<ordered_json> prefix = std::nullopt) {
    auto b = Bundle(k, v);
    if (!b.ok()) return KvError{500, "InternalServerError", b.error().message(), ""};
    ordered_json out = prefix ? *prefix : ordered_json::object();
    for (auto& [key, val] : b->items()) out[key] = val;
    Send(res, 200, out);
    return std::nullopt;
  }

  // Parsed common members of create / import / update bodies.
  struct Common {
    std::optional<bool> enabled, exportable;
    std::optional<int64_t> nbf, exp;
    std::optional<std::map<std::string, std::string>> tags;
    std::optional<StoredReleasePolicy> policy;
    std::optional<std::vector<std::string>> key_ops;
  };
  static Result<Common> ParseCommon(const json& b) {
    Common c;
    if (b.contains("attributes") && !b["attributes"].is_null()) {
      const json& a = b["attributes"];
      if (!a.is_object()) return InvalidArgument("attributes must be an object.");
      auto opt_bool = [&](const char* n, std::optional<bool>& out) -> Result<void> {
        if (!a.contains(n) || a[n].is_null()) return Ok();
        if (!a[n].is_boolean())
          return InvalidArgument(std::string("attributes.") + n + " must be a boolean.");
        out = a[n].get<bool>();
        return Ok();
      };
      auto opt_time = [&](const char* n, std::optional<int64_t>& out) -> Result<void> {
        if (!a.contains(n) || a[n].is_null()) return Ok();
        if (!a[n].is_number_integer())
          return InvalidArgument(std::string("attributes.") + n + " must be Unix seconds.");
        out = a[n].get<int64_t>();
        return Ok();
      };
      SKR_RETURN_IF_ERROR(opt_bool("enabled", c.enabled));
      SKR_RETURN_IF_ERROR(opt_bool("exportable", c.exportable));
      SKR_RETURN_IF_ERROR(opt_time("nbf", c.nbf));
      SKR_RETURN_IF_ERROR(opt_time("exp", c.exp));
    }
    if (b.contains("tags") && !b["tags"].is_null()) {
      if (!b["tags"].is_object()) return InvalidArgument("tags must be an object of strings.");
      std::map<std::string, std::string> t;
      for (const auto& [k, v] : b["tags"].items()) {
        if (!v.is_string()) return InvalidArgument("tag \"" + k + "\" must be a string.");
        t[k] = v.get<std::string>();
      }
      c.tags = t;
    }
    if (b.contains("release_policy") && !b["release_policy"].is_null()) {
      SKR_ASSIGN_OR_RETURN(c.policy, ParseRestReleasePolicy(b["release_policy"]));
    }
    if (b.contains("key_ops") && !b["key_ops"].is_null()) {
      SKR_ASSIGN_OR_RETURN(c.key_ops, ParseKeyOps(b["key_ops"]));
    }
    return c;
  }

  // The AKV.SKR rules shared by create and import (skr-protocol.md 4.5).
  std::optional<KvError> CheckNewVersion(const std::string& kty, bool exportable,
                                         std::optional<StoredReleasePolicy>& policy,
                                         const KeyObject* existing) const {
    if (!opts_.premium && IsHsm(kty)) {
      return Forbidden("Hardware key operation not allowed on standard vault");
    }
    if (exportable && !opts_.premium) {
      return BadParameter(
          "AKV.SKR.1001: The exportable attribute is only supported with premium vaults and API "
          "version >= '7.3-preview'.");
    }
    if (exportable && !IsHsm(kty)) {
      return BadParameter("AKV.SKR.1006: Exportable keys must be HSM-protected; use " +
                          (IsRsa(kty) ? std::string("RSA-HSM") : std::string("EC-HSM")) + ".");
    }
    if (!exportable && policy) {
      return BadParameter("AKV.SKR.1005: Non-exportable keys must not have release policy.");
    }
    if (exportable && !policy) {
      // Only the first version of an exportable key must carry a policy; later ones inherit it.
      const KeyVersion* cur = existing ? FindVersion(*existing, "") : nullptr;
      if (cur && cur->exportable && cur->release_policy) {
        policy = cur->release_policy;
      } else {
        return BadParameter("AKV.SKR.1004: Exportable keys must have release policy.");
      }
    }
    return std::nullopt;
  }

  std::optional<KvError> AddVersion(const std::string& name, KeyVersion v, bool from_import,
                                    const KeySpec* spec, Res& res) {
    // Reserve the version number, derive outside the lock (RSA-4096 takes a while), then insert.
    uint64_t n;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = keys_.find(name);
      if (it != keys_.end() && it->second.deleted) {
        return KvError{409, "Conflict",
                       "Key " + name +
                           " is currently in a deleted but recoverable state, and its name cannot "
                           "be reused; in this state, the key can only be recovered or purged.",
                       "ObjectIsDeletedButRecoverable"};
      }
      KeyObject& k = keys_[name];
      k.name = name;
      if (auto e = CheckNewVersion(v.kty, v.exportable, v.release_policy,
                                   k.versions.empty() ? nullptr : &k)) {
        if (k.versions.empty()) keys_.erase(name);
        return e;
      }
      n = k.versions_created++;
    }
    v.version = DeriveVersionId(opts_.seed, name, n);
    if (!from_import) {
      auto m = DeriveKeyMaterial(opts_.seed, name, n, *spec);
      if (!m.ok()) return KvError{500, "InternalServerError", m.error().message(), ""};
      v.material = std::move(m).value();
    }
    v.created = v.updated = Now();
    std::lock_guard<std::mutex> l(mu_);
    KeyObject& k = keys_[name];
    k.name = name;
    k.versions.push_back(std::move(v));
    if (auto e = Persist(k)) return e;
    return SendBundle(res, k, k.versions.back());
  }

  // ---- operations ----

  std::optional<KvError> Create(const std::string& name, const json& b, Res& res) {
    if (!ValidKeyName(name)) return InvalidName(name);
    auto spec = ParseKeySpec(b);
    if (!spec.ok()) return BadParameter(spec.error().message());
    auto c = ParseCommon(b);
    if (!c.ok()) return BadParameter(c.error().message());
    KeyVersion v;
    v.kty = spec->kty;
    v.key_ops = c->key_ops.value_or(DefaultKeyOps(v.kty));
    v.enabled = c->enabled.value_or(true);
    v.exportable = c->exportable.value_or(false);
    v.nbf = c->nbf;
    v.exp = c->exp;
    v.tags = c->tags.value_or(std::map<std::string, std::string>{});
    v.release_policy = c->policy;
    return AddVersion(name, std::move(v), false, &*spec, res);
  }

  std::optional<KvError> Import(const std::string& name, const json& b, Res& res) {
    if (!ValidKeyName(name)) return InvalidName(name);
    if (!b.contains("key")) return BadParameter("The parameter key is required.");
    bool hsm = b.contains("Hsm") && b["Hsm"].is_boolean() && b["Hsm"].get<bool>();
    auto imported = ImportJwk(b["key"], hsm);
    if (!imported.ok()) return BadParameter(imported.error().message());
    auto c = ParseCommon(b);
    if (!c.ok()) return BadParameter(c.error().message());
    KeyVersion v;
    v.kty = imported->kty;
    v.material = imported->material;
    v.key_ops = imported->key_ops;
    v.enabled = c->enabled.value_or(true);
    v.exportable = c->exportable.value_or(false);
    v.nbf = c->nbf;
    v.exp = c->exp;
    v.tags = c->tags.value_or(std::map<std::string, std::string>{});
    v.release_policy = c->policy;
    return AddVersion(name, std::move(v), true, nullptr, res);
  }

  static KvError InvalidName(const std::string& name) {
    return BadParameter("The request URI contains an invalid name: " + name +
                        ". Key names may contain only 0-9, a-z, A-Z and -, up to 127 characters.");
  }

  std::optional<KvError> Get(const std::string& name, const std::string& version, Res& res) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = keys_.find(name);
    if (it == keys_.end() || it->second.deleted) return KeyNotFound(name);
    const KeyVersion* v = FindVersion(it->second, version);
    if (!v) return KeyNotFound(name + "/" + version);
    return SendBundle(res, it->second, *v);
  }

  ordered_json Item(const KeyObject& k, const KeyVersion& v, bool versioned) const {
    ordered_json i = ordered_json::object();
    i["kid"] = KeyId(k.name, versioned ? v.version : "");
    i["attributes"] = Attributes(v);
    if (!v.tags.empty()) i["tags"] = v.tags;
    return i;
  }

  std::optional<KvError> List(Res& res) {
    std::lock_guard<std::mutex> l(mu_);
    ordered_json value = ordered_json::array();
    for (const auto& [name, k] : keys_) {
      if (!k.deleted && !k.versions.empty()) value.push_back(Item(k, k.versions.back(), false));
    }
    Send(res, 200, ordered_json{{"value", value}, {"nextLink", nullptr}});
    return std::nullopt;
  }

  std::optional<KvError> ListVersions(const std::string& name, Res& res) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = keys_.find(name);
    if (it == keys_.end() || it->second.deleted) return KeyNotFound(name);
    ordered_json value = ordered_json::array();
    for (const auto& v : it->second.versions) value.push_back(Item(it->second, v, true));
    Send(res, 200, ordered_json{{"value", value}, {"nextLink", nullptr}});
    return std::nullopt;
  }

  std::optional<KvError> Update(const std::string& name, const std::string& version, const json& b,
                                Res& res) {
    auto c = ParseCommon(b);
    if (!c.ok()) return BadParameter(c.error().message());
    std::lock_guard<std::mutex> l(mu_);
    auto it = keys_.find(name);
    if (it == keys_.end() || it->second.deleted) return KeyNotFound(name);
    KeyVersion* v = FindVersion(it->second, version);
    if (!v) return KeyNotFound(name + "/" + version);
    if (c->exportable && *c->exportable != v->exportable) {
      return BadParameter("AKV.SKR.1014: Cannot modify the exportable state of a key.");
    }
    if (c->policy) {
      if (!v->exportable) {
        return BadParameter("AKV.SKR.1005: Non-exportable keys must not have release policy.");
      }
      const auto& old = v->release_policy;
      bool same = old && old->canonical_json == c->policy->canonical_json &&
                  old->immutable == c->policy->immutable &&
                  old->content_type == c->policy->content_type;
      if (old && old->immutable && !same) {
        return BadParameter("AKV.SKR.1020: Immutable Key Release Policy cannot be modified.");
      }
    }
    KeyVersion updated = *v;
    if (c->enabled) updated.enabled = *c->enabled;
    if (c->nbf) updated.nbf = c->nbf;
    if (c->exp) updated.exp = c->exp;
    if (c->tags) updated.tags = *c->tags;
    if (c->key_ops) updated.key_ops = *c->key_ops;
    if (c->policy) updated.release_policy = c->policy;
    updated.updated = Now();
    KeyVersion saved = *v;
    *v = updated;
    if (auto e = Persist(it->second)) {
      *v = saved;
      return e;
    }
    return SendBundle(res, it->second, *v);
  }

  std::optional<KvError> Delete(const std::string& name, Res& res) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = keys_.find(name);
    if (it == keys_.end() || it->second.deleted) return KeyNotFound(name);
    KeyObject& k = it->second;
    k.deleted = true;
    k.deleted_date = Now();
    k.scheduled_purge_date = k.deleted_date + int64_t{opts_.recoverable_days} * 86400;
    if (auto e = Persist(k)) {
      k.deleted = false;
      return e;
    }
    return SendBundle(res, k, k.versions.back(), DeletedHeader(k));
  }

  std::optional<KvError> ListDeleted(Res& res) {
    std::lock_guard<std::mutex> l(mu_);
    ordered_json value = ordered_json::array();
    for (const auto& [name, k] : keys_) {
      if (!k.deleted) continue;
      ordered_json item = DeletedHeader(k);
      ordered_json it = Item(k, k.versions.back(), false);
      for (auto& [key, val] : it.items()) item[key] = val;
      value.push_back(item);
    }
    Send(res, 200, ordered_json{{"value", value}, {"nextLink", nullptr}});
    return std::nullopt;
  }

  KvError DeletedKeyNotFound(const std::string& name) const {
    return {404, "KeyNotFound", "Deleted Key not found: " + name, ""};
  }

  std::optional<KvError> GetDeleted(const std::string& name, Res& res) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = keys_.find(name);
    if (it == keys_.end() || !it->second.deleted) return DeletedKeyNotFound(name);
    return SendBundle(res, it->second, it->second.versions.back(), DeletedHeader(it->second));
  }

  std::optional<KvError> Recover(const std::string& name, Res& res) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = keys_.find(name);
    if (it == keys_.end() || !it->second.deleted) return DeletedKeyNotFound(name);
    KeyObject& k = it->second;
    k.deleted = false;
    k.deleted_date = k.scheduled_purge_date = 0;
    if (auto e = Persist(k)) {
      k.deleted = true;
      return e;
    }
    return SendBundle(res, k, k.versions.back());
  }

  std::optional<KvError> Purge(const std::string& name, Res& res) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = keys_.find(name);
    if (it == keys_.end() || !it->second.deleted) return DeletedKeyNotFound(name);
    if (persistence_) {
      auto r = persistence_->Remove(name);
      if (!r.ok()) return KvError{500, "InternalServerError", r.error().message(), ""};
    }
    keys_.erase(it);
    res.status = 204;
    return std::nullopt;
  }

  std::optional<KvError> Release(const Req& req, const std::string& name,
                                 const std::string& version, const json& b, Res& res) {
    (void)b;  // already checked to be a JSON object; kv::ParseReleaseRequest reads the fields
    auto request = kv::ParseReleaseRequest(req.body);
    if (!request.ok()) return BadParameter(request.error().message());
    // enc omitted: the real service uses CKM_RSA_AES_KEY_WRAP (skr-protocol.md 6.7).
    const kv::KeyWrapAlgorithm enc = request->enc.value_or(kv::KeyWrapAlgorithm::kCkmRsaAesKeyWrap);
    // Copy what is needed and drop the lock: verification fetches the issuer's keys over HTTP.
    KeyVersion v;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = keys_.find(name);
      if (it == keys_.end() || it->second.deleted) return KeyNotFound(name);
      const KeyVersion* found = FindVersion(it->second, version);
      if (!found) return KeyNotFound(name + "/" + version);
      v = *found;
    }
    const int64_t now = Now();
    if (!v.enabled) return Forbidden("Operation release is not allowed on a disabled key.");
    if ((v.nbf && now < *v.nbf) || (v.exp && now > *v.exp)) {
      return Forbidden("Operation release is not allowed on a key outside its nbf/exp window.");
    }
    if (!v.exportable || !v.release_policy) {
      return Forbidden("Key " + name +
                       " is not exportable; only exportable keys with a release "
                       "policy can be released.");
    }
    auto token = VerifyAttestationToken(request->target, opts_.attestation, now, &jwks_cache_);
    if (!token.ok()) {
      const Error& e = token.error();
      if (e.code() == ErrorCode::kMalformed) {
        return BadParameter("The target attestation token is malformed: " + e.message());
      }
      if (e.code() == ErrorCode::kUnavailable) {
        return BadParameter("AKV.SKR.1012: The specified attestation service cannot be reached: " +
                            e.message());
      }
      return Forbidden("The target attestation token was not accepted: " + e.message());
    }
    auto policy = ParseReleasePolicy(v.release_policy->canonical_json);
    if (!policy.ok()) return KvError{500, "InternalServerError", policy.error().message(), ""};
    PolicyDecision d = EvaluateReleasePolicy(*policy, token->issuer, token->claims);
    if (!d.allowed) return Forbidden("The key release policy is not satisfied: " + d.reason);
    auto runtime = SelectRuntimeKey(token->claims);
    if (!runtime.ok()) {
      return BadParameter("The target attestation token offers no key to wrap to: " +
                          runtime.error().message());
    }
    auto key_hsm = WrapForRelease(*runtime, enc, v.material);
    if (!key_hsm.ok()) {
      return BadParameter("Cannot wrap the key to " + runtime->kid + ": " +
                          key_hsm.error().message());
    }
    auto jwk = PublicJwk(KeyId(name, v.version), v.kty, v.key_ops, v.material);
    if (!jwk.ok()) return KvError{500, "InternalServerError", jwk.error().message(), ""};
    (*jwk)["key_hsm"] = *key_hsm;

    std::string requested = req.path;  // ".../release"
    requested = requested.substr(0, requested.size() - std::string("/release").size());
    while (!requested.empty() && requested.back() == '/') requested.pop_back();
    ordered_json echoed = ordered_json::object();
    echoed["api-version"] = req.get_param_value("api-version");
    echoed["enc"] = kv::KeyWrapAlgorithmName(enc);
    echoed["kid"] = opts_.vault_url + requested;
    if (request->nonce) echoed["nonce"] = *request->nonce;
    ordered_json inner = ordered_json::object();
    inner["key"] = *jwk;
    inner["attributes"] = Attributes(v);
    inner["tags"] = v.tags.empty() ? ordered_json::object() : ordered_json(v.tags);
    inner["release_policy"] = {{"data", RestReleasePolicyJson(*v.release_policy)["data"]}};
    ordered_json payload = ordered_json::object();
    payload["request"] = echoed;
    payload["response"] = {{"key", inner}};
    auto jws = signer_->Sign(payload);
    if (!jws.ok()) return KvError{500, "InternalServerError", jws.error().message(), ""};
    Send(res, 200, ordered_json{{"value", *jws}});
    return std::nullopt;
  }

  KeyVaultOptions opts_;
  std::unique_ptr<http::Server> server_;
  std::shared_ptr<const ReleaseSigner> signer_;
  std::unique_ptr<KeyPersistence> persistence_;
  JwksCache jwks_cache_;
  std::atomic<bool> ready_{false};
  mutable std::mutex mu_;
  std::map<std::string, KeyObject> keys_;
  std::map<std::string, std::vector<std::string>> policies_;
};

KeyVaultService::KeyVaultService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeyVaultService::~KeyVaultService() { Stop(); }

Result<std::unique_ptr<KeyVaultService>> KeyVaultService::Start(KeyVaultOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  SKR_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<KeyVaultService>(new KeyVaultService(std::move(impl)));
}

std::string KeyVaultService::url() const { return impl_->url(); }
std::string KeyVaultService::vault_url() const { return impl_->vault_url(); }
uint16_t KeyVaultService::port() const { return impl_->port(); }
void KeyVaultService::Stop() { impl_->Stop(); }
Result<Bytes> KeyVaultService::ExportKeyMaterial(const std::string& name,
                                                 const std::string& version) const {
  return impl_->Export(name, version);
}
std::vector<x509::Certificate> KeyVaultService::release_signing_chain() const {
  return impl_->chain();
}
void KeyVaultService::SetAccessPolicy(AccessPolicy policy) {
  impl_->SetAccessPolicy(std::move(policy));
}

}  // namespace skr::mock_kv
