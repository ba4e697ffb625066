#include "libskr/jose/jwt.h"

#include <cmath>
#include <string_view>

#include "libskr/x509/certificate.h"

namespace skr::jose {
namespace {

using nlohmann::json;

// A NumericDate (RFC 7519 section 2) as double: integer or fractional seconds.
Result<std::optional<double>> NumericDate(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<double>();
  if (!it->is_number()) {
    return Malformed(std::string("JWT claim \"") + name + "\" must be a NumericDate, found " +
                     it->type_name() + " " + it->dump());
  }
  double v = it->get<double>();
  if (!std::isfinite(v)) return Malformed(std::string("JWT claim \"") + name + "\" is not finite");
  return std::optional<double>(v);
}

std::string When(double t) {
  double clamped = std::clamp(std::floor(t), -62135596800.0, 253402300799.0);  // years 1..9999
  return x509::FormatTime(static_cast<std::time_t>(clamped));
}

std::string NumberText(double t) {
  json j = t;
  if (t == std::floor(t) && std::fabs(t) < 9e15) j = static_cast<int64_t>(t);
  return j.dump();
}

std::string Context(const char* claim, double value, const JwtValidationOptions& o) {
  return std::string(claim) + " " + NumberText(value) + " = " + When(value) + ", now " +
         When(static_cast<double>(o.now)) + ", leeway " + std::to_string(o.leeway_seconds) + " s";
}

std::string_view TrimOneSlash(std::string_view s) {
  if (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

Result<void> CheckIssuer(const json& claims, const JwtValidationOptions& o) {
  if (!o.issuer) return Ok();
  auto it = claims.find("iss");
  if (it == claims.end())
    return PolicyViolation("JWT has no \"iss\"; expected \"" + *o.issuer + "\"");
  if (!it->is_string()) return Malformed("JWT claim \"iss\" must be a string");
  std::string iss = it->get<std::string>();
  bool same = o.issuer_ignore_trailing_slash ? TrimOneSlash(iss) == TrimOneSlash(*o.issuer)
                                             : iss == *o.issuer;
  if (!same) {
    return PolicyViolation("JWT issuer \"" + iss + "\" is not the expected \"" + *o.issuer + "\"" +
                           (o.issuer_ignore_trailing_slash ? " (ignoring one trailing '/')" : ""));
  }
  return Ok();
}

Result<void> CheckAudience(const json& claims, const JwtValidationOptions& o) {
  if (!o.audience) return Ok();
  auto it = claims.find("aud");
  if (it == claims.end()) {
    return PolicyViolation("JWT has no \"aud\"; expected \"" + *o.audience + "\"");
  }
  json list = it->is_array() ? *it : json::array({*it});
  if (list.empty()) return Malformed("JWT claim \"aud\" is an empty array");
  for (const json& a : list) {
    if (!a.is_string()) return Malformed("JWT claim \"aud\" must be a string or array of strings");
  }
  for (const json& a : list) {
    if (a.get<std::string>() == *o.audience) return Ok();
  }
  return PolicyViolation("JWT audience " + it->dump() + " does not include \"" + *o.audience +
                         "\"");
}

}  // namespace

Result<json> ParseJwtClaims(ByteView payload) {
  json j = json::parse(payload.begin(), payload.end(), nullptr, false);
  if (j.is_discarded()) return Malformed("JWT payload is not valid JSON");
  if (!j.is_object()) {
    return Malformed(std::string("JWT payload is a JSON ") + j.type_name() + ", not an object");
  }
  return j;
}

Result<void> ValidateJwtClaims(const json& claims, const JwtValidationOptions& o) {
  if (!claims.is_object()) return Malformed("JWT claims are not a JSON object");
  if (o.leeway_seconds < 0) return InvalidArgument("JWT leeway must not be negative");
  SKR_ASSIGN_OR_RETURN(std::optional<double> exp, NumericDate(claims, "exp"));
  SKR_ASSIGN_OR_RETURN(std::optional<double> nbf, NumericDate(claims, "nbf"));
  SKR_ASSIGN_OR_RETURN(std::optional<double> iat, NumericDate(claims, "iat"));
  const double now = static_cast<double>(o.now), leeway = static_cast<double>(o.leeway_seconds);
  if (!exp && o.require_exp) return PolicyViolation("JWT has no \"exp\" (expiration) claim");
  // RFC 7519 4.1.4: the current time MUST be before exp.
  if (exp && now >= *exp + leeway) {
    return PolicyViolation("JWT expired: " + Context("exp", *exp, o));
  }
  // RFC 7519 4.1.5: the current time MUST be at or after nbf.
  if (nbf && now + leeway < *nbf) {
    return PolicyViolation("JWT not yet valid: " + Context("nbf", *nbf, o));
  }
  // A token issued in the future means skewed clocks or a forged iat.
  if (iat && now + leeway < *iat) {
    return PolicyViolation("JWT issued in the future: " + Context("iat", *iat, o));
  }
  SKR_RETURN_IF_ERROR(CheckIssuer(claims, o));
  return CheckAudience(claims, o);
}

}  // namespace skr::jose
