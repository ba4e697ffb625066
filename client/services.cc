#include "client/services.h"

#include <algorithm>
#include <cctype>
#include <thread>

#include "libskr/encoding/encoding.h"
#include "libskr/jose/jws.h"

namespace skr::client {
namespace {

using nlohmann::json;

bool Retryable(int status) { return status == 408 || status == 429 || status >= 500; }

// Retry-After in seconds (the HTTP-date form is not used by these services).
std::optional<std::chrono::milliseconds> RetryAfter(const http::Response& r) {
  auto v = r.Header("Retry-After");
  if (!v || v->empty() || v->size() > 6 || !std::all_of(v->begin(), v->end(), ::isdigit)) {
    return std::nullopt;
  }
  return std::chrono::seconds(std::stoi(*v));
}

std::string Truncated(std::string_view s, size_t n = 300) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, n)) + "...";
}

Result<json> JsonBody(std::string_view what, const http::Response& r) {
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Malformed(std::string(what) +
                     ": response body is not a JSON object: " + Truncated(r.body));
  }
  return j;
}

Result<std::string> JsonString(const json& j, const char* name, std::string_view what) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    return Malformed(std::string(what) + ": response has no string \"" + name + "\"");
  }
  return it->get<std::string>();
}

}  // namespace

Result<http::Response> SendWithRetry(const http::Client& client, std::string_view method,
                                     std::string_view path, const http::Headers& headers,
                                     std::string_view body, const RetryPolicy& policy,
                                     std::string_view what) {
  auto sleep = policy.sleep ? policy.sleep
                            : [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  std::chrono::milliseconds backoff = policy.initial_backoff;
  const int attempts = std::max(1, policy.max_attempts);
  for (int attempt = 1;; ++attempt) {
    auto r = client.Request(method, path, headers, body);
    const bool last = attempt >= attempts;
    if (r.ok() && !Retryable(r->status)) return r;
    if (last) {
      if (!r.ok()) {
        return r.error().WithContext(std::string(what) + " (after " + std::to_string(attempt) +
                                     " attempts)");
      }
      return r;  // the caller turns the final 5xx/429 into an error with the service's text
    }
    std::chrono::milliseconds wait = backoff;
    if (r.ok()) {
      if (auto ra = RetryAfter(*r)) wait = *ra;
    }
    sleep(std::min(wait, policy.max_backoff));
    backoff = std::min(backoff * 2, policy.max_backoff);
  }
}

Error ServiceError(std::string_view what, const http::Response& r) {
  std::string detail;
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    const json* e =
        j.contains("error") ? &j["error"] : (j.contains("Error") ? &j["Error"] : nullptr);
    if (e != nullptr && e->is_object()) {
      auto field = [&](const char* a, const char* b) -> std::string {
        if (e->contains(a) && (*e)[a].is_string()) return (*e)[a].get<std::string>();
        if (e->contains(b) && (*e)[b].is_string()) return (*e)[b].get<std::string>();
        return "";
      };
      detail = field("code", "Code") + ": " + field("message", "Message");
    } else if (e != nullptr && e->is_string()) {  // IMDS
      detail = e->get<std::string>();
      if (j.contains("error_description") && j["error_description"].is_string()) {
        detail += ": " + j["error_description"].get<std::string>();
      }
    }
  }
  if (detail.empty()) detail = Truncated(r.body);
  std::string msg =
      std::string(what) + " failed with HTTP " + std::to_string(r.status) + " (" + detail + ")";
  if (r.status == 400) return InvalidArgument(msg);
  if (r.status == 401 || r.status == 403) return PolicyViolation(msg);
  if (r.status == 404) return NotFound(msg);
  if (Retryable(r.status)) return Unavailable(msg + "; retries exhausted");
  return Internal(msg);
}

Result<http::Client> ClientFor(const ServiceEndpoint& endpoint) {
  http::ClientOptions o;
  o.base_url = endpoint.url;
  o.ca_bundle_pem = endpoint.ca_bundle_pem;
  o.read_timeout = endpoint.timeout;
  o.write_timeout = endpoint.timeout;
  return http::Client::Create(std::move(o));
}

// ---- IMDS ----

Result<ImdsClient> ImdsClient::Create(ServiceEndpoint endpoint, RetryPolicy retry) {
  SKR_ASSIGN_OR_RETURN(http::Client c, ClientFor(endpoint));
  return ImdsClient(std::move(c), std::move(retry));
}

Result<AccessToken> ImdsClient::GetAccessToken(std::string_view resource,
                                               const IdentitySelector& identity) const {
  const std::string what = "IMDS managed-identity token for " + std::string(resource);
  std::string path = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" +
                     encoding::PercentEncode(resource);
  if (identity.client_id) path += "&client_id=" + encoding::PercentEncode(*identity.client_id);
  if (identity.object_id) path += "&object_id=" + encoding::PercentEncode(*identity.object_id);
  if (identity.msi_res_id) path += "&msi_res_id=" + encoding::PercentEncode(*identity.msi_res_id);
  SKR_ASSIGN_OR_RETURN(http::Response r,
                       SendWithRetry(http_, "GET", path, {{"Metadata", "true"}}, {}, retry_, what));
  if (r.status != 200) return ServiceError(what, r);
  SKR_ASSIGN_OR_RETURN(json j, JsonBody(what, r));
  AccessToken t;
  SKR_ASSIGN_OR_RETURN(t.token, JsonString(j, "access_token", what));
  // Numeric fields are strings on the wire (skr-protocol.md 5.1).
  if (j.contains("expires_on") && j["expires_on"].is_string()) {
    const std::string& s = j["expires_on"].get_ref<const std::string&>();
    if (!s.empty() && s.size() < 19 && std::all_of(s.begin(), s.end(), ::isdigit)) {
      t.expires_on = std::stoll(s);
    }
  }
  return t;
}

Result<snp::ThimCertification> ImdsClient::GetThimCertification() const {
  const std::string what = "IMDS THIM VCEK certification";
  SKR_ASSIGN_OR_RETURN(http::Response r,
                       SendWithRetry(http_, "GET", "/metadata/THIM/amd/certification",
                                     {{"Metadata", "true"}}, {}, retry_, what));
  if (r.status != 200) return ServiceError(what, r);
  auto thim = snp::ParseThimJson(r.body);
  if (!thim.ok()) return thim.error().WithContext(what);
  return thim;
}

Result<Bytes> ImdsClient::GetTdQuote(ByteView td_report) const {
  const std::string what = "IMDS TD quote (/acc/tdquote)";
  if (td_report.size() != 1024) {
    return InvalidArgument(what + ": a TDREPORT is 1024 bytes, got " +
                           std::to_string(td_report.size()));
  }
  json body = {{"report", encoding::Base64UrlEncode(td_report)}};
  // Content-Type must be exactly application/json: with a charset IMDS answers 415 (5.3).
  SKR_ASSIGN_OR_RETURN(http::Response r,
                       SendWithRetry(http_, "POST", "/acc/tdquote",
                                     {{"Metadata", "true"}, {"Accept", "application/json"}},
                                     body.dump(), retry_, what));
  if (r.status != 200) return ServiceError(what, r);
  SKR_ASSIGN_OR_RETURN(json j, JsonBody(what, r));
  SKR_ASSIGN_OR_RETURN(std::string quote, JsonString(j, "quote", what));
  auto bytes = encoding::Base64DecodeAny(quote);
  if (!bytes.ok()) return bytes.error().WithContext(what + ": \"quote\"");
  return bytes;
}

// ---- MAA ----

std::string_view AttestationFlowName(AttestationFlow flow) {
  switch (flow) {
    case AttestationFlow::kAzureGuest:
      return "AzureGuest";
    case AttestationFlow::kSevSnpVm:
      return "SevSnpVm";
    case AttestationFlow::kTdxVm:
      return "TdxVm";
  }
  return "?";
}

Result<AttestationFlow> AttestationFlowFromName(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == "azureguest") return AttestationFlow::kAzureGuest;
  if (lower == "sevsnpvm") return AttestationFlow::kSevSnpVm;
  if (lower == "tdxvm") return AttestationFlow::kTdxVm;
  return InvalidArgument("attestation flow \"" + std::string(name) +
                         "\" is not one of azureguest, sevsnpvm, tdxvm");
}

Result<MaaClient> MaaClient::Create(ServiceEndpoint endpoint, RetryPolicy retry) {
  SKR_ASSIGN_OR_RETURN(http::Client c, ClientFor(endpoint));
  return MaaClient(std::move(c), std::move(retry));
}

Result<std::string> MaaClient::Attest(std::string_view path, std::string_view body) const {
  const std::string what = "MAA " + std::string(path.substr(1, path.find('?') - 1));
  SKR_ASSIGN_OR_RETURN(http::Response r,
                       SendWithRetry(http_, "POST", path, {}, body, retry_, what));
  if (r.status != 200) return ServiceError(what, r);
  auto token = maa::ParseTokenResponse(r.body);
  if (!token.ok()) return token.error().WithContext(what);
  return token;
}

Result<std::string> MaaClient::AttestSevSnpVm(const maa::SevSnpVmRequest& request) const {
  return Attest("/attest/SevSnpVm?api-version=2022-08-01", maa::EncodeSevSnpVmRequest(request));
}

Result<std::string> MaaClient::AttestTdxVm(const maa::TdxVmRequest& request) const {
  return Attest("/attest/TdxVm?api-version=2023-04-01-preview", maa::EncodeTdxVmRequest(request));
}

Result<maa::SealedToken> MaaClient::AttestAzureGuest(const maa::AttestationInfo& info) const {
  SKR_ASSIGN_OR_RETURN(std::string token, Attest("/attest/AzureGuest?api-version=2020-10-01",
                                                 maa::EncodeAzureGuestRequest(info)));
  auto sealed = maa::ParseSealedToken(token);
  if (!sealed.ok()) return sealed.error().WithContext("MAA attest/AzureGuest response");
  return sealed;
}

// ---- Key Vault ----

Result<KeyVaultClient> KeyVaultClient::Create(ServiceEndpoint vault, std::string bearer_token,
                                              RetryPolicy retry, std::string api_version) {
  SKR_ASSIGN_OR_RETURN(http::Client c, ClientFor(vault));
  return KeyVaultClient(std::move(c), std::move(bearer_token), std::move(retry),
                        std::move(api_version));
}

Result<std::string> KeyVaultClient::KeyPath(std::string_view key) const {
  std::string k(key);
  const std::string& base = http_.base_url();
  if (k.rfind("https://", 0) == 0 || k.rfind("http://", 0) == 0) {
    std::string trimmed = base;
    while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
    if (k.rfind(trimmed + "/keys/", 0) != 0) {
      return InvalidArgument("key id " + k + " is not on the vault " + base +
                             " (pass --vault-url matching the key id)");
    }
    k = k.substr(trimmed.size() + 6);
  } else if (k.rfind("keys/", 0) == 0) {
    k = k.substr(5);
  }
  while (!k.empty() && k.back() == '/') k.pop_back();
  if (k.empty() || std::count(k.begin(), k.end(), '/') > 1) {
    return InvalidArgument("key \"" + std::string(key) +
                           "\" must be NAME, NAME/VERSION or a key id URL");
  }
  return "/keys/" + k;
}

Result<ReleaseResult> KeyVaultClient::Release(std::string_view key,
                                              const kv::ReleaseRequest& request) const {
  SKR_ASSIGN_OR_RETURN(std::string path, KeyPath(key));
  const std::string what = "Key Vault release of " + path.substr(6);
  SKR_ASSIGN_OR_RETURN(
      http::Response r,
      SendWithRetry(http_, "POST", path + "/release?api-version=" + api_,
                    {{"Authorization", "Bearer " + token_}, {"Accept", "application/json"}},
                    kv::EncodeReleaseRequest(request), retry_, what));
  if (r.status != 200) return ServiceError(what, r);
  SKR_ASSIGN_OR_RETURN(json j, JsonBody(what, r));
  ReleaseResult out;
  SKR_ASSIGN_OR_RETURN(out.jws, JsonString(j, "value", what));
  auto jws = jose::ParseCompactJws(out.jws);
  if (!jws.ok()) return jws.error().WithContext(what + ": \"value\" is not a compact JWS");
  out.header = jws->header;
  out.payload = json::parse(AsString(jws->payload), nullptr, false);
  if (out.payload.is_discarded() || !out.payload.is_object()) {
    return Malformed(what + ": the JWS payload is not a JSON object");
  }
  const json* k = &out.payload;
  for (const char* step : {"response", "key", "key"}) {
    if (!k->is_object() || !k->contains(step)) {
      return Malformed(what + ": the JWS payload has no response.key.key");
    }
    k = &(*k)[step];
  }
  out.key = *k;
  SKR_ASSIGN_OR_RETURN(std::string key_hsm, JsonString(out.key, "key_hsm", what));
  auto blob = kv::ParseKeyHsm(key_hsm);
  if (!blob.ok()) return blob.error().WithContext(what);
  out.key_hsm = std::move(blob).value();
  return out;
}

Result<json> KeyVaultClient::GetKey(std::string_view key) const {
  SKR_ASSIGN_OR_RETURN(std::string path, KeyPath(key));
  const std::string what = "Key Vault get key " + path.substr(6);
  SKR_ASSIGN_OR_RETURN(http::Response r,
                       SendWithRetry(http_, "GET", path + "?api-version=" + api_,
                                     {{"Authorization", "Bearer " + token_}}, {}, retry_, what));
  if (r.status != 200) return ServiceError(what, r);
  return JsonBody(what, r);
}

}  // namespace skr::client
