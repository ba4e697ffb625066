// The MAA attestation policy language, version 1.0 (and the configurationrules section of 1.1):
//
//   version=1.0;
//   configurationrules { => issueproperty(type="omit_x5c", value=true); };      (optional)
//   authorizationrules { c:[type=="x-ms-sevsnpvm-is-debuggable", value==false] => permit(); };
//   issuancerules { c:[type=="x-ms-sevsnpvm-vmpl"] => issue(type="vmpl", value=c.value); };
//
// Grammar as documented by Microsoft (MicrosoftDocs/azure-docs articles/attestation/
// claim-rule-grammar.md, policy-version-1-0.md, author-sign-policy.md, policy-examples.md):
//   rule       := [condition ("&&" condition)*] "=>" action "(" args ")" [";"]
//   condition  := [ident ":"] "[" propcond ("," propcond)* "]"
//   propcond   := ("type"|"value"|"issuer"|"valueType") op operand
//   op         := "==" | "!=" | "<" | "<=" | ">" | ">=" (ordering only on integers)
//   operand    := string | integer | true | false | ident "." property
//   action     := permit() | deny() | add(args) | issue(args) | issueproperty(args)
//   args       := "claim" "=" ident | "type" "=" operand "," "value" "=" operand [...]
// "//" starts a comment to the end of the line. Section and keyword names are case-insensitive
// ("Version= 1.0;" appears in Microsoft's own default SGX policy); claim types and string values
// are case-sensitive. The rule ";" is optional (author-sign-policy.md omits it), as is the ";"
// after a section's "}".
#ifndef SKR_MOCK_MAA_POLICY_POLICY_H_
#define SKR_MOCK_MAA_POLICY_POLICY_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/result.h"

namespace skr::mock_maa {

// Claim issuers the grammar names (claim-rule-grammar.md "issuer").
inline constexpr std::string_view kIssuerAttestationService = "AttestationService";
inline constexpr std::string_view kIssuerAttestationPolicy = "AttestationPolicy";
inline constexpr std::string_view kIssuerCustomClaim = "CustomClaim";

// One claim: `value` is a JSON string, integer or boolean (the three documented value types);
// the service also feeds structured claims (x-ms-runtime objects) in, which conditions can test
// for presence only.
struct PolicyClaim {
  std::string type;
  nlohmann::json value;
  std::string issuer = std::string(kIssuerAttestationService);
};

// "String", "Integer", "Boolean" (or "Object"/"Array" for structured claims).
std::string ClaimValueTypeName(const nlohmann::json& value);

struct PolicyEvaluation {
  std::vector<PolicyClaim> issued;      // issue(): outgoing claims, in rule order
  std::vector<PolicyClaim> properties;  // issueproperty(): configuration/property claims
};

class Policy {
 public:
  // Parses policy text. Errors are kMalformed (PolicyParsingError) with "line L, column C:" and
  // what was expected vs found.
  static Result<Policy> Parse(std::string_view text);

  const std::string& text() const { return text_; }
  size_t authorization_rule_count() const;
  size_t issuance_rule_count() const;

  // Runs configurationrules, authorizationrules and issuancerules over `incoming`.
  // Authorization: rules in order; add() extends the incoming set; a matching deny() fails at
  // once; at least one matching permit() is needed. Failure is kPolicyViolation
  // (PolicyEvaluationError) naming the rule (1-based, with its line).
  Result<PolicyEvaluation> Evaluate(const std::vector<PolicyClaim>& incoming) const;

  Policy(const Policy&);
  Policy& operator=(const Policy&);
  Policy(Policy&&) noexcept;
  Policy& operator=(Policy&&) noexcept;
  ~Policy();

  struct Impl;

 private:
  Policy(std::string text, std::shared_ptr<const Impl> impl);
  std::string text_;
  std::shared_ptr<const Impl> impl_;
};

// x-ms-policy-hash: BASE64URL(SHA256(UTF8(BASE64URL(UTF8(policy text))))) (skr-protocol.md 3.2).
std::string PolicyHash(std::string_view policy_text);

}  // namespace skr::mock_maa

#endif  // SKR_MOCK_MAA_POLICY_POLICY_H_
