#include "mock-kv/token_verifier.h"

#include "libskr/http/client.h"
#include "libskr/jose/jws.h"
#include "libskr/jose/jwt.h"
#include "mock-kv/release_policy.h"

namespace skr::mock_kv {

using nlohmann::json;

namespace {

Result<json> GetJson(std::string_view url, const std::optional<std::string>& ca) {
  auto client = http::Client::Create(std::string(url), ca);
  if (!client.ok())
    return Unavailable("cannot fetch " + std::string(url) + ": " + client.error().message());
  auto res = client->Get("");
  if (!res.ok()) return Unavailable(res.error().message());
  if (res->status != 200) {
    return Unavailable("GET " + std::string(url) + " answered HTTP " + std::to_string(res->status));
  }
  json j = json::parse(res->body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Unavailable("GET " + std::string(url) + " did not return a JSON object");
  }
  return j;
}

// Reads claims and header without verifying, to learn the issuer and algorithm.
struct Unverified {
  json header;
  json claims;
};
Result<Unverified> Peek(std::string_view token) {
  auto jws = jose::ParseCompactJws(token);
  if (!jws.ok()) return Malformed("the token is not a compact JWS: " + jws.error().message());
  auto claims = jose::ParseJwtClaims(jws->payload);
  if (!claims.ok()) return Malformed("the token payload is not a JSON object");
  return Unverified{jws->header, *claims};
}

Result<void> RequireRs256(const json& header) {
  if (!header.contains("alg") || !header["alg"].is_string()) {
    return VerificationFailed("the token header has no \"alg\"");
  }
  if (header["alg"] != "RS256") {
    return VerificationFailed("token algorithm " + header["alg"].dump() +
                              " is not accepted; only RS256 is");
  }
  return Ok();
}

jose::JwsVerifyOptions Rs256Only() {
  jose::JwsVerifyOptions o;
  o.allowed_algs = {jose::JwsAlg::kRs256};
  return o;
}

}  // namespace

Result<jose::Jwks> FetchIssuerJwks(std::string_view issuer,
                                   const std::optional<std::string>& ca_bundle_pem) {
  std::string base = NormalizeAuthority(issuer);
  std::string discovery = base + "/.well-known/openid-configuration";
  SKR_ASSIGN_OR_RETURN(json meta, GetJson(discovery, ca_bundle_pem));
  if (!meta.contains("jwks_uri") || !meta["jwks_uri"].is_string()) {
    return Unavailable(discovery + " has no \"jwks_uri\" string");
  }
  std::string jwks_uri = meta["jwks_uri"].get<std::string>();
  SKR_ASSIGN_OR_RETURN(json jwks_json, GetJson(jwks_uri, ca_bundle_pem));
  auto jwks = jose::Jwks::Parse(jwks_json);
  if (!jwks.ok()) return Unavailable(jwks_uri + ": not a usable JWKS: " + jwks.error().message());
  return std::move(jwks).value();
}

Result<jose::Jwks> JwksCache::Get(const std::string& issuer, const std::string& kid,
                                  const std::optional<std::string>& ca_bundle_pem) {
  const std::string key = NormalizeAuthority(issuer);
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && now - it->second.fetched < ttl_ &&
        it->second.jwks.FindByKid(kid).ok()) {
      return it->second.jwks;
    }
  }
  ++fetches_;
  SKR_ASSIGN_OR_RETURN(jose::Jwks jwks, FetchIssuerJwks(issuer, ca_bundle_pem));
  std::lock_guard<std::mutex> l(mu_);
  entries_[key] = Entry{jwks, now};
  return jwks;
}

Result<VerifiedToken> VerifyAttestationToken(std::string_view token, const AttestationTrust& trust,
                                             int64_t now, JwksCache* cache) {
  SKR_ASSIGN_OR_RETURN(Unverified u, Peek(token));
  SKR_RETURN_IF_ERROR(RequireRs256(u.header));
  if (!u.claims.contains("iss") || !u.claims["iss"].is_string()) {
    return Malformed("the attestation token has no \"iss\" claim");
  }
  std::string iss = u.claims["iss"].get<std::string>();
  bool trusted = false;
  for (const auto& t : trust.trusted_issuers) {
    if (NormalizeAuthority(t) == NormalizeAuthority(iss)) trusted = true;
  }
  if (!trusted) {
    return PolicyViolation("the attestation token issuer \"" + iss +
                           "\" is not an attestation service this vault trusts");
  }
  const std::string kid = u.header.contains("kid") && u.header["kid"].is_string()
                              ? u.header["kid"].get<std::string>()
                              : "";
  jose::Jwks jwks;
  if (cache) {
    SKR_ASSIGN_OR_RETURN(jwks, cache->Get(iss, kid, trust.ca_bundle_pem));
  } else {
    SKR_ASSIGN_OR_RETURN(jwks, FetchIssuerJwks(iss, trust.ca_bundle_pem));
  }
  auto verified = jose::VerifyCompactWithJwks(token, jwks, Rs256Only());
  if (!verified.ok()) {
    return VerificationFailed("the attestation token signature does not verify with " + iss +
                              "'s keys: " + verified.error().message());
  }
  jose::JwtValidationOptions v;
  v.now = now;
  v.leeway_seconds = trust.leeway_seconds;
  v.require_exp = true;
  auto valid = jose::ValidateJwtClaims(u.claims, v);
  if (!valid.ok()) {
    return PolicyViolation("the attestation token is not valid now: " + valid.error().message());
  }
  return VerifiedToken{iss, u.claims};
}

std::string IdentityTrust::EffectiveIssuer() const {
  return issuer.empty() ? "https://sts.windows.net/" + tenant_id + "/" : issuer;
}

std::string IdentityTrust::Challenge() const {
  return "Bearer authorization=\"https://login.microsoftonline.com/" + tenant_id +
         "\", resource=\"" + std::string(kVaultAudience) + "\"";
}

Result<Caller> VerifyBearer(std::string_view header, const IdentityTrust& trust, int64_t now) {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), header.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return NotFound("AKV10000: Request is missing a Bearer or PoP token.");
  }
  std::string_view token = header.substr(kScheme.size());
  auto u = Peek(token);
  if (!u.ok()) return Malformed("AKV10001: Bearer token is malformed: " + u.error().message());
  SKR_RETURN_IF_ERROR(RequireRs256(u->header));
  jose::Jwks jwks;
  if (trust.jwks) {
    jwks = *trust.jwks;
  } else {
    SKR_ASSIGN_OR_RETURN(jwks, FetchIssuerJwks(trust.EffectiveIssuer(), trust.ca_bundle_pem));
  }
  auto verified = jose::VerifyCompactWithJwks(token, jwks, Rs256Only());
  if (!verified.ok()) {
    return VerificationFailed("Bearer token signature validation failed: " +
                              verified.error().message());
  }
  const json& c = u->claims;
  std::string aud = c.contains("aud") && c["aud"].is_string() ? c["aud"].get<std::string>() : "";
  if (NormalizeAuthority(aud) != kVaultAudience) {
    return PolicyViolation("AKV10022: Invalid audience. Expected " + std::string(kVaultAudience) +
                           ", found: " + (aud.empty() ? c.value("aud", json()).dump() : aud) + ".");
  }
  std::string iss = c.contains("iss") && c["iss"].is_string() ? c["iss"].get<std::string>() : "";
  const std::string v2_issuer = "https://login.microsoftonline.com/" + trust.tenant_id + "/v2.0";
  if (iss != trust.EffectiveIssuer() && iss != v2_issuer) {
    return PolicyViolation("AKV10032: Invalid issuer. Expected one of " + trust.EffectiveIssuer() +
                           ", " + v2_issuer + ", found: " + iss + ".");
  }
  jose::JwtValidationOptions v;
  v.now = now;
  v.leeway_seconds = trust.leeway_seconds;
  auto valid = jose::ValidateJwtClaims(c, v);
  if (!valid.ok()) {
    return PolicyViolation("Bearer token is not valid now: " + valid.error().message());
  }
  if (!c.contains("oid") || !c["oid"].is_string()) {
    return PolicyViolation("Bearer token has no \"oid\" claim naming the caller.");
  }
  Caller caller;
  caller.oid = c["oid"].get<std::string>();
  caller.appid = c.contains("appid") && c["appid"].is_string() ? c["appid"].get<std::string>() : "";
  caller.issuer = iss;
  return caller;
}

}  // namespace skr::mock_kv
