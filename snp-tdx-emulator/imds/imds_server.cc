#include "snp-tdx-emulator/imds/imds_server.h"

#include <algorithm>
#include <cctype>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/drbg.h"
#include "libskr/encoding/encoding.h"
#include "libskr/jose/jws.h"
#include "libskr/x509/builder.h"
#include "snp-tdx-emulator/intel/tdx_platform.h"

namespace skr::emulator::imds {

using nlohmann::json;

std::string DeriveGuid(ByteView seed, std::string_view label) {
  crypto::Drbg drbg(seed, label);
  Bytes b = drbg.Generate(16);
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  std::string hex = encoding::HexEncode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::vector<ManagedIdentity> DefaultIdentities(ByteView seed, std::string_view subscription_id,
                                               size_t user_assigned) {
  const std::string rg =
      "/subscriptions/" + std::string(subscription_id) + "/resourcegroups/skr-harness/providers/";
  std::vector<ManagedIdentity> out;
  out.push_back({DeriveGuid(seed, "entra/mi/system/client-id"),
                 DeriveGuid(seed, "entra/mi/system/object-id"),
                 rg + "Microsoft.Compute/virtualMachines/skr-cvm"});
  for (size_t i = 1; i <= user_assigned; ++i) {
    const std::string n = std::to_string(i);
    out.push_back({DeriveGuid(seed, "entra/mi/user/" + n + "/client-id"),
                   DeriveGuid(seed, "entra/mi/user/" + n + "/object-id"),
                   rg + "Microsoft.ManagedIdentity/userAssignedIdentities/skr-identity-" + n});
  }
  return out;
}

std::vector<std::string> DefaultResources() {
  return {"https://vault.azure.net",   "https://managedhsm.azure.net",
          "https://attest.azure.net",  "https://management.azure.com",
          "https://storage.azure.com", "https://graph.microsoft.com"};
}

// ---- Entra issuer ----

Result<EntraIssuer> EntraIssuer::Create(ByteView seed, std::string tenant_id) {
  crypto::Drbg drbg(seed, "entra/token-signing");
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::DeriveRsaKey(drbg, 2048));
  // Entra publishes its signing keys with self-signed certificates (CN
  // accounts.accesscontrol.windows.net, SHA-256 RSA); validity here is fixed so the bytes are
  // reproducible.
  x509::CertificateSpec spec;
  spec.serial = crypto::Drbg(seed, "entra/token-signing/serial").Generate(16);
  spec.serial[0] &= 0x7F;
  spec.issuer = spec.subject = {{"CN", "accounts.accesscontrol.windows.net"}};
  spec.not_before = 1735689600;  // 2025-01-01
  spec.not_after = 1893456000;   // 2030-01-01
  spec.subject_key = key.public_key();
  SKR_ASSIGN_OR_RETURN(x509::Certificate cert,
                       x509::SignCertificate(spec, key, x509::SignatureAlgorithm::kRsaPkcs1Sha256));
  std::string kid = encoding::Base64UrlEncode(cert.Fingerprint(crypto::HashAlg::kSha1));
  return EntraIssuer(std::move(tenant_id), std::move(key), std::move(cert), std::move(kid));
}

std::string EntraIssuer::issuer() const { return "https://sts.windows.net/" + tenant_ + "/"; }

jose::Jwks EntraIssuer::Jwks() const {
  jose::Jwk jwk = jose::Jwk::FromPublicKey(key_.public_key());
  json j = jwk.json();
  // Member order of login.microsoftonline.com/common/discovery/keys.
  json out = json::object();
  out["kty"] = "RSA";
  out["use"] = "sig";
  out["kid"] = kid_;
  out["x5t"] = kid_;
  out["n"] = j["n"];
  out["e"] = j["e"];
  out["x5c"] = json::array({encoding::Base64Encode(cert_.ToDer())});
  out["issuer"] = issuer();
  jose::Jwks set;
  // The key was just built from our own public key; Parse cannot fail on it.
  auto parsed = jose::Jwk::Parse(out);
  if (parsed.ok()) (void)set.Add(std::move(parsed).value());
  return set;
}

json EntraIssuer::DiscoveryDocument(std::string_view base_url) const {
  const std::string base = std::string(base_url) + "/" + tenant_;
  return json{{"token_endpoint", base + "/oauth2/token"},
              {"token_endpoint_auth_methods_supported",
               {"client_secret_post", "private_key_jwt", "client_secret_basic"}},
              {"jwks_uri", base + "/discovery/keys"},
              {"response_modes_supported", {"query", "fragment", "form_post"}},
              {"subject_types_supported", {"pairwise"}},
              {"id_token_signing_alg_values_supported", {"RS256"}},
              {"response_types_supported",
               {"code", "id_token", "code id_token", "token id_token", "token"}},
              {"scopes_supported", {"openid"}},
              {"issuer", issuer()},
              {"authorization_endpoint", base + "/oauth2/authorize"},
              {"tenant_region_scope", "NA"},
              {"cloud_instance_name", "microsoftonline.com"}};
}

json EntraIssuer::Claims(const ManagedIdentity& identity, std::string_view resource, int64_t now,
                         int64_t lifetime_seconds) const {
  const int64_t iat = now - 300;
  // uti: a per-token id; derived from what the token says so that runs are reproducible.
  const std::string uti_src =
      std::string(resource) + "|" + identity.object_id + "|" + std::to_string(now);
  std::string uti =
      encoding::Base64UrlEncode(ByteView(crypto::Sha256(AsBytes(uti_src))).subspan(0, 16));
  return json{{"aud", resource},
              {"iss", issuer()},
              {"iat", iat},
              {"nbf", iat},
              {"exp", now + lifetime_seconds},
              {"aio", "E2ZgYJjt/skr-harness/emulated"},
              {"appid", identity.client_id},
              {"appidacr", "2"},
              {"idp", issuer()},
              {"idtyp", "app"},
              {"oid", identity.object_id},
              {"rh", "0.emulated."},
              {"sub", identity.object_id},
              {"tid", tenant_},
              {"uti", uti},
              {"ver", "1.0"},
              {"xms_mirid", identity.resource_id}};
}

Result<std::string> EntraIssuer::Sign(const json& claims) const {
  json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"x5t", kid_}, {"kid", kid_}};
  const std::string payload = claims.dump();
  return jose::SignCompact(header, AsBytes(payload), jose::JwsAlg::kRs256, key_);
}

// ---- server ----

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string StripSlash(std::string_view s) {
  std::string out(s);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

// IMDS's identity-endpoint error shape {"error","error_description"} (skr-protocol.md 5.1).
void OauthError(httplib::Response& res, int status, std::string_view error,
                std::string_view description) {
  res.status = status;
  res.set_content(json{{"error", error}, {"error_description", description}}.dump(),
                  "application/json; charset=utf-8");
}

// The instance-metadata error shape: a single "error" string (UNCONFIRMED wording).
void InstanceError(httplib::Response& res, int status, std::string_view message) {
  res.status = status;
  res.set_content(json{{"error", message}}.dump(), "application/json; charset=utf-8");
}

void JsonOk(httplib::Response& res, const std::string& body) {
  res.status = 200;
  res.set_content(body, "application/json; charset=utf-8");
}

bool HasMetadataHeader(const httplib::Request& req) {
  return req.has_header("Metadata") && req.get_header_value("Metadata") == "true";
}

}  // namespace

Result<std::unique_ptr<ImdsServer>> ImdsServer::Start(ImdsOptions options) {
  if (options.tenant_id.empty()) options.tenant_id = DeriveGuid(options.seed, "entra/tenant");
  if (options.subscription_id.empty()) {
    options.subscription_id = DeriveGuid(options.seed, "azure/subscription");
  }
  SKR_ASSIGN_OR_RETURN(EntraIssuer issuer, EntraIssuer::Create(options.seed, options.tenant_id));
  std::unique_ptr<ImdsServer> self(new ImdsServer(std::move(issuer)));
  self->identities_ = options.identities.empty()
                          ? DefaultIdentities(options.seed, options.subscription_id)
                          : options.identities;
  self->resources_ = options.resources.empty() ? DefaultResources() : options.resources;
  self->vm_id_ = options.vm_id.empty() ? DeriveGuid(options.seed, "azure/vm-id") : options.vm_id;
  self->clock_ = options.clock ? options.clock : std::make_shared<SystemClock>();
  http::ServerOptions so;
  so.listen = options.listen;
  so.max_payload_bytes = 64 * 1024;
  so.error_body = [](int status, std::string_view reason) {
    return json{{"error", status == 404 ? "not_found" : "bad_request"},
                {"error_description", reason}}
        .dump();
  };
  self->options_ = std::move(options);
  ImdsServer* raw = self.get();
  SKR_ASSIGN_OR_RETURN(self->server_,
                       http::Server::Start(so, [raw](httplib::Server& svr) { raw->Install(svr); }));
  return self;
}

ImdsServer::~ImdsServer() { Stop(); }

void ImdsServer::Stop() {
  if (server_) server_->Stop();
}

std::string ImdsServer::discovery_url() const {
  return url() + "/" + issuer_.tenant_id() + "/.well-known/openid-configuration";
}
std::string ImdsServer::jwks_url() const {
  return url() + "/" + issuer_.tenant_id() + "/discovery/keys";
}
uint64_t ImdsServer::requests() const { return requests_->load(); }

void ImdsServer::Install(httplib::Server& svr) {
  auto counter = requests_;
  // Counted before routing, so the count is current when the client has its response.
  svr.set_pre_routing_handler([counter](const httplib::Request&, httplib::Response&) {
    ++*counter;
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // 5.1 managed-identity token.
  svr.Get("/metadata/identity/oauth2/token", [this](const httplib::Request& req,
                                                    httplib::Response& res) {
    if (!HasMetadataHeader(req)) {
      return OauthError(res, 400, "bad_request_102", "Required metadata header not specified");
    }
    if (!req.has_param("api-version")) {
      return OauthError(res, 400, "invalid_request",
                        "Required query variable 'api-version' is missing");
    }
    if (!req.has_param("resource") || req.get_param_value("resource").empty()) {
      return OauthError(res, 400, "invalid_request", "Required audience parameter not specified");
    }
    const std::string resource = req.get_param_value("resource");
    // mi_res_id is the newer spelling of msi_res_id; both select by ARM resource id.
    std::optional<std::string> client_id, object_id, res_id;
    if (req.has_param("client_id")) client_id = req.get_param_value("client_id");
    if (req.has_param("object_id")) object_id = req.get_param_value("object_id");
    if (req.has_param("msi_res_id")) res_id = req.get_param_value("msi_res_id");
    if (req.has_param("mi_res_id")) res_id = req.get_param_value("mi_res_id");
    const int selectors = (client_id ? 1 : 0) + (object_id ? 1 : 0) + (res_id ? 1 : 0);
    if (selectors > 1) {
      return OauthError(res, 400, "invalid_request",
                        "Only one of client_id, object_id or msi_res_id may be specified");
    }
    const ManagedIdentity* identity = nullptr;
    for (const ManagedIdentity& id : identities_) {
      if ((client_id && Lower(*client_id) == Lower(id.client_id)) ||
          (object_id && Lower(*object_id) == Lower(id.object_id)) ||
          (res_id && Lower(*res_id) == Lower(id.resource_id)) ||
          (selectors == 0 && identity == nullptr)) {
        identity = &id;
        if (selectors != 0) break;
      }
    }
    if (identity == nullptr) {
      return OauthError(res, 400, "invalid_request", "Identity not found");
    }
    const bool known = std::any_of(resources_.begin(), resources_.end(), [&](const auto& r) {
      return Lower(StripSlash(r)) == Lower(StripSlash(resource));
    });
    if (!known) {
      return OauthError(res, 400, "invalid_resource",
                        "AADSTS500011: The resource principal named " + resource +
                            " was not found in the tenant named " + issuer_.tenant_id() +
                            ". This can happen if the application has not been installed by the "
                            "administrator of the tenant or consented to by any user in the "
                            "tenant. You might have sent your authentication request to the "
                            "wrong tenant.");
    }
    const int64_t now = clock_->Now();
    const int64_t lifetime = options_.token_lifetime_seconds;
    json claims = issuer_.Claims(*identity, resource, now, lifetime);
    auto token = issuer_.Sign(claims);
    if (!token.ok()) return OauthError(res, 500, "unknown", token.error().message());
    // Every numeric field is a string (5.1); member order of the captured responses.
    json body = json::object();
    body["access_token"] = *token;
    body["client_id"] = identity->client_id;
    body["expires_in"] = std::to_string(lifetime);
    body["expires_on"] = std::to_string(now + lifetime);
    body["ext_expires_in"] = std::to_string(lifetime);
    body["not_before"] = std::to_string(claims["nbf"].get<int64_t>());
    body["resource"] = resource;
    body["token_type"] = "Bearer";
    JsonOk(res, body.dump());
  });

  // 5.2 THIM VCEK certification.
  svr.Get("/metadata/THIM/amd/certification", [this](const httplib::Request& req,
                                                     httplib::Response& res) {
    if (!HasMetadataHeader(req)) {
      return OauthError(res, 400, "bad_request_102", "Required metadata header not specified");
    }
    if (!options_.thim_json) {
      return OauthError(res, 404, "not_found",
                        "THIM AMD certification is only available on SEV-SNP hosts");
    }
    JsonOk(res, *options_.thim_json);
  });

  // 5.3 TD quote.
  svr.Post("/acc/tdquote", [this](const httplib::Request& req, httplib::Response& res) {
    // Exactly application/json: a charset parameter gets 415 (6.9).
    if (req.get_header_value("Content-Type") != "application/json") {
      return OauthError(res, 415, "unsupported_media_type",
                        "Content-Type must be exactly application/json, got \"" +
                            req.get_header_value("Content-Type") + "\"");
    }
    if (!options_.td_quote) {
      return OauthError(res, 404, "not_found", "/acc/tdquote is only available on TDX hosts");
    }
    auto report = intel::ParseTdQuoteRequestJson(req.body);
    if (!report.ok()) return OauthError(res, 400, "invalid_request", report.error().message());
    auto quote = options_.td_quote(*report);
    if (!quote.ok()) return OauthError(res, 400, "invalid_request", quote.error().message());
    JsonOk(res, intel::TdQuoteResponseJson(*quote));
  });

  // 5.4 compute leaves.
  auto leaf = [this](std::string_view name, std::function<std::string()> value) {
    return [this, name = std::string(name), value](const httplib::Request& req,
                                                   httplib::Response& res) {
      if (!HasMetadataHeader(req)) {
        return InstanceError(res, 400, "Bad request. Required metadata header not specified");
      }
      if (!req.has_param("api-version")) {
        return InstanceError(res, 400,
                             "Bad request. api-version was not specified in the request. For "
                             "more information refer to aka.ms/azureimds");
      }
      const std::string format = req.has_param("format") ? req.get_param_value("format") : "json";
      if (format == "text") {
        res.status = 200;
        return res.set_content(value(), "text/plain; charset=utf-8");
      }
      if (format == "json") return JsonOk(res, json(value()).dump());
      InstanceError(res, 400, "Bad request. Unsupported format \"" + format + "\" for " + name);
    };
  };
  svr.Get("/metadata/instance/compute/vmId", leaf("vmId", [this] { return vm_id_; }));
  svr.Get("/metadata/instance/compute/location",
          leaf("location", [this] { return options_.location; }));

  // The Entra issuer's discovery (stand-in for login.microsoftonline.com/<tenant>/...).
  const std::string tenant = issuer_.tenant_id();
  auto discovery = [this](const httplib::Request&, httplib::Response& res) {
    JsonOk(res, issuer_.DiscoveryDocument(url()).dump());
  };
  svr.Get("/" + tenant + "/.well-known/openid-configuration", discovery);
  svr.Get("/" + tenant + "/v2.0/.well-known/openid-configuration", discovery);
  auto keys = [this](const httplib::Request&, httplib::Response& res) {
    JsonOk(res, issuer_.Jwks().ToString());
  };
  svr.Get("/" + tenant + "/discovery/keys", keys);
  svr.Get("/common/discovery/keys", keys);
}

}  // namespace skr::emulator::imds
