// Key Vault key release policies (skr-protocol.md 4.2): parsed and validated when a key is created,
// imported or updated, re-serialized in the service's canonical form, and evaluated against the
// claims of an already verified attestation token at release time.
#ifndef SKR_MOCK_KV_RELEASE_POLICY_H_
#define SKR_MOCK_KV_RELEASE_POLICY_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/result.h"

namespace skr::mock_kv {

inline constexpr std::string_view kDefaultPolicyContentType = "application/json; charset=utf-8";

// One node of the condition tree: a group (allOf / anyOf of children) or a claim condition.
struct PolicyCondition {
  enum class Kind { kAllOf, kAnyOf, kClaimEquals };
  Kind kind = Kind::kAllOf;
  std::vector<PolicyCondition> children;  // groups
  std::string claim;     // dot path, e.g. "x-ms-isolation-tee.x-ms-attestation-type"
  nlohmann::json value;  // string, number or boolean
};

struct PolicyAuthority {
  std::string authority;      // as written; compared with the token "iss" ignoring a trailing slash
  PolicyCondition condition;  // the authority's allOf or anyOf group
};

struct ReleasePolicy {
  std::string version;  // "1.0.0" (or the legacy "0.2")
  std::vector<PolicyAuthority> any_of;

  // The canonical compact JSON the service stores and returns: keys ordered version, anyOf;
  // authority, allOf|anyOf; claim, equals (skr-protocol.md 4.1 "re-serialized").
  std::string CanonicalJson() const;
};

// Parses policy JSON text. kInvalidArgument naming the JSON path of the problem: wrong version,
// empty anyOf, an authority with both or neither of allOf/anyOf, an unsupported operator (only
// "equals"; the legacy {"claim","condition":"equals","value"} form is accepted), a value that is
// not a string, number or boolean.
Result<ReleasePolicy> ParseReleasePolicy(std::string_view json_text);

// The stored form of a key's policy (the REST KeyReleasePolicy object).
struct StoredReleasePolicy {
  std::string content_type = std::string(kDefaultPolicyContentType);
  bool immutable = false;
  std::string canonical_json;  // what `data` carries, base64url-encoded
};

// Validates a REST `release_policy` object ({contentType?, data (base64url), immutable?}).
// kInvalidArgument with the reason.
Result<StoredReleasePolicy> ParseRestReleasePolicy(const nlohmann::json& j);
// {"contentType", "data", "immutable"} as the service returns it.
nlohmann::ordered_json RestReleasePolicyJson(const StoredReleasePolicy& p);

// Outcome of evaluating a policy on token claims.
struct PolicyDecision {
  bool allowed = false;
  std::string reason;  // why not (first authority that matched the issuer and its failing claim)
};

// True if some authority matches `issuer` (trailing slash ignored) and its condition holds on
// `claims`. Claims are looked up by dot path through nested objects; a missing claim, or one that
// is an object or array, makes its condition false. `equals` compares string forms: strings as
// they are, booleans as "true"/"false", numbers in their JSON form ("0"), case-sensitively.
PolicyDecision EvaluateReleasePolicy(const ReleasePolicy& policy, std::string_view issuer,
                                     const nlohmann::json& claims);

// "https://x/" -> "https://x".
std::string NormalizeAuthority(std::string_view url);

}  // namespace skr::mock_kv

#endif  // SKR_MOCK_KV_RELEASE_POLICY_H_
