#include "mock-kv/release_policy.h"

#include "libskr/base/bytes.h"
#include "libskr/encoding/encoding.h"

namespace skr::mock_kv {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

Error Bad(const std::string& path, const std::string& what) {
  return InvalidArgument("release policy: " + path + ": " + what);
}

bool IsScalar(const json& v) { return v.is_string() || v.is_number() || v.is_boolean(); }

Result<PolicyCondition> ParseCondition(const json& j, const std::string& path, int depth);

Result<PolicyCondition> ParseGroup(const json& arr, PolicyCondition::Kind kind,
                                   const std::string& path, int depth) {
  if (!arr.is_array()) return Bad(path, "must be an array of conditions");
  if (arr.empty()) return Bad(path, "must not be empty");
  PolicyCondition g;
  g.kind = kind;
  for (size_t i = 0; i < arr.size(); ++i) {
    SKR_ASSIGN_OR_RETURN(PolicyCondition c,
                         ParseCondition(arr[i], path + "[" + std::to_string(i) + "]", depth + 1));
    g.children.push_back(std::move(c));
  }
  return g;
}

Result<PolicyCondition> ParseCondition(const json& j, const std::string& path, int depth) {
  if (depth > 32) return Bad(path, "conditions nested deeper than 32 levels");
  if (!j.is_object()) return Bad(path, "must be an object");
  const bool has_all = j.contains("allOf"), has_any = j.contains("anyOf");
  if (has_all || has_any) {
    if (has_all && has_any) return Bad(path, "has both allOf and anyOf; use exactly one");
    if (j.size() != 1) return Bad(path, "a group has only allOf or anyOf, found other members");
    return has_all ? ParseGroup(j["allOf"], PolicyCondition::Kind::kAllOf, path + ".allOf", depth)
                   : ParseGroup(j["anyOf"], PolicyCondition::Kind::kAnyOf, path + ".anyOf", depth);
  }
  if (!j.contains("claim")) return Bad(path, "needs \"claim\" or a nested allOf/anyOf");
  if (!j["claim"].is_string() || j["claim"].get<std::string>().empty()) {
    return Bad(path + ".claim", "must be a non-empty string");
  }
  PolicyCondition c;
  c.kind = PolicyCondition::Kind::kClaimEquals;
  c.claim = j["claim"].get<std::string>();
  if (j.contains("condition")) {  // legacy form {"claim","condition":"equals","value"}
    if (j["condition"] != "equals") {
      return Bad(path + ".condition",
                 "only \"equals\" is supported, found " + j["condition"].dump());
    }
    if (!j.contains("value") || j.size() != 3) {
      return Bad(path, "legacy condition needs exactly claim, condition and value");
    }
    c.value = j["value"];
  } else {
    for (const auto& [k, v] : j.items()) {
      if (k == "claim") continue;
      if (k != "equals") {
        return Bad(path + "." + k,
                   "unsupported operator; the only allowed condition is \"equals\"");
      }
    }
    if (!j.contains("equals")) return Bad(path, "needs an \"equals\" value");
    c.value = j["equals"];
  }
  if (!IsScalar(c.value)) {
    return Bad(path, "the value must be a string, number or boolean, found " + c.value.dump());
  }
  return c;
}

ordered_json ConditionJson(const PolicyCondition& c) {
  ordered_json out = ordered_json::object();
  if (c.kind == PolicyCondition::Kind::kClaimEquals) {
    out["claim"] = c.claim;
    out["equals"] = c.value;
    return out;
  }
  ordered_json arr = ordered_json::array();
  for (const auto& ch : c.children) arr.push_back(ConditionJson(ch));
  out[c.kind == PolicyCondition::Kind::kAllOf ? "allOf" : "anyOf"] = std::move(arr);
  return out;
}

// String form used by `equals` (skr-protocol.md 4.2 type coercion).
std::string Stringify(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

const json* LookupClaim(const json& claims, const std::string& path) {
  const json* cur = &claims;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(part);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

bool Evaluate(const PolicyCondition& c, const json& claims, std::string* why) {
  switch (c.kind) {
    case PolicyCondition::Kind::kClaimEquals: {
      const json* v = LookupClaim(claims, c.claim);
      if (v == nullptr) {
        *why = "claim \"" + c.claim + "\" is missing from the token";
        return false;
      }
      if (!IsScalar(*v)) {
        *why = "claim \"" + c.claim + "\" is an object or array, not a value";
        return false;
      }
      if (Stringify(*v) != Stringify(c.value)) {
        *why =
            "claim \"" + c.claim + "\" is " + v->dump() + ", the policy requires " + c.value.dump();
        return false;
      }
      return true;
    }
    case PolicyCondition::Kind::kAllOf:
      for (const auto& ch : c.children) {
        if (!Evaluate(ch, claims, why)) return false;
      }
      return true;
    case PolicyCondition::Kind::kAnyOf: {
      std::string first;
      for (const auto& ch : c.children) {
        std::string w;
        if (Evaluate(ch, claims, &w)) return true;
        if (first.empty()) first = w;
      }
      *why = "no anyOf alternative holds (first: " + first + ")";
      return false;
    }
  }
  return false;
}

}  // namespace

std::string NormalizeAuthority(std::string_view url) {
  std::string s(url);
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

Result<ReleasePolicy> ParseReleasePolicy(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("release policy: data is not valid JSON");
  if (!j.is_object()) return Bad("$", "must be a JSON object");
  ReleasePolicy p;
  if (!j.contains("version") || !j["version"].is_string()) {
    return Bad("$.version", "must be the string \"1.0.0\"");
  }
  p.version = j["version"].get<std::string>();
  if (p.version != "1.0.0" && p.version != "0.2") {
    return Bad("$.version", "unsupported version \"" + p.version + "\" (expected \"1.0.0\")");
  }
  for (const auto& [k, v] : j.items()) {
    if (k != "version" && k != "anyOf") return Bad("$." + k, "unknown member");
  }
  if (!j.contains("anyOf") || !j["anyOf"].is_array() || j["anyOf"].empty()) {
    return Bad("$.anyOf", "must be a non-empty array of authorities");
  }
  const json& arr = j["anyOf"];
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string path = "$.anyOf[" + std::to_string(i) + "]";
    const json& a = arr[i];
    if (!a.is_object()) return Bad(path, "must be an object");
    if (!a.contains("authority") || !a["authority"].is_string() ||
        a["authority"].get<std::string>().empty()) {
      return Bad(path + ".authority", "must be the attestation service URL");
    }
    const bool has_all = a.contains("allOf"), has_any = a.contains("anyOf");
    if (has_all == has_any) return Bad(path, "needs exactly one of allOf or anyOf");
    if (a.size() != 2) return Bad(path, "only authority and one of allOf/anyOf are allowed");
    PolicyAuthority pa;
    pa.authority = a["authority"].get<std::string>();
    SKR_ASSIGN_OR_RETURN(
        pa.condition,
        has_all ? ParseGroup(a["allOf"], PolicyCondition::Kind::kAllOf, path + ".allOf", 1)
                : ParseGroup(a["anyOf"], PolicyCondition::Kind::kAnyOf, path + ".anyOf", 1));
    p.any_of.push_back(std::move(pa));
  }
  return p;
}

std::string ReleasePolicy::CanonicalJson() const {
  ordered_json out = ordered_json::object();
  out["version"] = version;
  ordered_json arr = ordered_json::array();
  for (const auto& a : any_of) {
    ordered_json o = ordered_json::object();
    o["authority"] = a.authority;
    ordered_json cond = ConditionJson(a.condition);
    for (auto& [k, v] : cond.items()) o[k] = v;
    arr.push_back(std::move(o));
  }
  out["anyOf"] = std::move(arr);
  return out.dump();
}

Result<StoredReleasePolicy> ParseRestReleasePolicy(const json& j) {
  if (!j.is_object()) return InvalidArgument("release_policy must be an object");
  StoredReleasePolicy out;
  if (j.contains("contentType") && !j["contentType"].is_null()) {
    if (!j["contentType"].is_string()) {
      return InvalidArgument("release_policy.contentType must be a string");
    }
    out.content_type = j["contentType"].get<std::string>();
    if (out.content_type.rfind("application/json", 0) != 0) {
      return InvalidArgument("release_policy.contentType \"" + out.content_type +
                             "\" is not supported (expected application/json; charset=utf-8)");
    }
  }
  if (j.contains("immutable") && !j["immutable"].is_null()) {
    if (!j["immutable"].is_boolean()) {
      return InvalidArgument("release_policy.immutable must be a boolean");
    }
    out.immutable = j["immutable"].get<bool>();
  }
  if (!j.contains("data") || !j["data"].is_string() || j["data"].get<std::string>().empty()) {
    return InvalidArgument("release_policy.data must be the base64url-encoded policy JSON");
  }
  // The service emits unpadded base64url; SDKs and ARM templates also send padded or standard
  // base64 (skr-protocol.md 6.1), so decoding is lenient.
  auto data = encoding::Base64DecodeAny(j["data"].get<std::string>());
  if (!data.ok())
    return InvalidArgument("release_policy.data is not base64url: " + data.error().message());
  SKR_ASSIGN_OR_RETURN(ReleasePolicy p, ParseReleasePolicy(AsString(*data)));
  out.canonical_json = p.CanonicalJson();
  return out;
}

ordered_json RestReleasePolicyJson(const StoredReleasePolicy& p) {
  ordered_json j = ordered_json::object();
  j["contentType"] = p.content_type;
  j["data"] = encoding::Base64UrlEncode(AsBytes(p.canonical_json));
  j["immutable"] = p.immutable;
  return j;
}

PolicyDecision EvaluateReleasePolicy(const ReleasePolicy& policy, std::string_view issuer,
                                     const json& claims) {
  PolicyDecision d;
  const std::string iss = NormalizeAuthority(issuer);
  std::string first_reason;
  bool any_authority = false;
  for (const auto& a : policy.any_of) {
    if (NormalizeAuthority(a.authority) != iss) continue;
    any_authority = true;
    std::string why;
    if (Evaluate(a.condition, claims, &why)) {
      d.allowed = true;
      return d;
    }
    if (first_reason.empty()) first_reason = "authority " + a.authority + ": " + why;
  }
  d.reason = any_authority ? first_reason
                           : "no authority in the release policy matches the token issuer \"" +
                                 std::string(issuer) + "\"";
  return d;
}

}  // namespace skr::mock_kv
