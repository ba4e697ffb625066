// An emulated Azure Instance Metadata Service (skr-protocol.md 5, quirks 6.9) on loopback: the
// managed-identity token endpoint backed by an emulated Entra ID issuer, THIM VCEK certification
// (SEV-SNP hosts), /acc/tdquote (TDX hosts) and the compute vmId/location leaves, with IMDS's own
// error bodies. The Entra issuer's OIDC discovery document and JWKS are served on the same server
// so a relying party (mock-kv) can verify the bearer tokens.
#ifndef SKR_EMULATOR_IMDS_IMDS_SERVER_H_
#define SKR_EMULATOR_IMDS_IMDS_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "libskr/base/bytes.h"
#include "libskr/base/clock.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/http/server.h"
#include "libskr/jose/jwk.h"
#include "libskr/x509/certificate.h"

namespace skr::emulator::imds {

// One managed identity of the VM. The system-assigned identity's resource id is the VM's ARM id;
// a user-assigned one's is .../Microsoft.ManagedIdentity/userAssignedIdentities/<name>.
struct ManagedIdentity {
  std::string client_id;    // "appid" claim; the token response's client_id
  std::string object_id;    // "oid" and "sub" claims
  std::string resource_id;  // "xms_mirid"; matched by msi_res_id / mi_res_id (case-insensitive)
};

// Deterministic identities for `seed`: the system-assigned one first, then `user_assigned`
// user-assigned identities named "skr-identity-<i>".
std::vector<ManagedIdentity> DefaultIdentities(ByteView seed, std::string_view subscription_id,
                                               size_t user_assigned = 2);
// A deterministic GUID (lower case, version 4 layout) from Drbg(seed, label).
std::string DeriveGuid(ByteView seed, std::string_view label);

// Resources Entra knows in the emulated tenant (others get invalid_resource, AADSTS500011).
std::vector<std::string> DefaultResources();

// The emulated Entra ID (v1 tokens, as IMDS hands out): RS256 with an RSA-2048 key from
// Drbg(seed, "entra/token-signing"), published with a self-signed certificate as Entra does
// (JWKS members kty, use, kid, x5t, n, e, x5c, issuer); header kid = x5t = base64url(SHA-1(cert)).
class EntraIssuer {
 public:
  static Result<EntraIssuer> Create(ByteView seed, std::string tenant_id);

  const std::string& tenant_id() const { return tenant_; }
  // "https://sts.windows.net/<tenant>/" (the v1 "iss").
  std::string issuer() const;
  const std::string& kid() const { return kid_; }
  const x509::Certificate& certificate() const { return cert_; }
  crypto::PublicKey public_key() const { return key_.public_key(); }
  jose::Jwks Jwks() const;
  // The OIDC discovery document as served under `base_url` (the emulator's stand-in for
  // https://login.microsoftonline.com): issuer stays sts.windows.net, jwks_uri points to base_url.
  nlohmann::json DiscoveryDocument(std::string_view base_url) const;

  // The token claims for `identity` and `resource` at `now`: iat = nbf = now - 300 (Entra
  // back-dates by 5 minutes), exp = now + lifetime.
  nlohmann::json Claims(const ManagedIdentity& identity, std::string_view resource, int64_t now,
                        int64_t lifetime_seconds) const;
  Result<std::string> Sign(const nlohmann::json& claims) const;

 private:
  EntraIssuer(std::string tenant, crypto::PrivateKey key, x509::Certificate cert, std::string kid)
      : tenant_(std::move(tenant)), key_(std::move(key)), cert_(std::move(cert)), kid_(kid) {}
  std::string tenant_;
  crypto::PrivateKey key_;
  x509::Certificate cert_;
  std::string kid_;
};

// The /acc/tdquote backend: the quote for a 1024-byte TDREPORT
// (EmulatedTdxPlatform::QuoteTdReport).
using TdQuoteFunction = std::function<Result<Bytes>(ByteView td_report)>;

struct ImdsOptions {
  http::ListenAddress listen;          // 127.0.0.1:0 by default
  Bytes seed;                          // the Entra key and default ids derive from it
  std::shared_ptr<const Clock> clock;  // token times; nullptr: the system clock
  std::string tenant_id;               // empty: DeriveGuid(seed, "entra/tenant")
  std::string subscription_id;         // empty: DeriveGuid(seed, "azure/subscription")
  // Empty: DefaultIdentities(seed, subscription). The first one answers requests that name none.
  std::vector<ManagedIdentity> identities;
  std::vector<std::string> resources;  // empty: DefaultResources()
  int64_t token_lifetime_seconds = 86399;
  std::string vm_id;  // empty: DeriveGuid(seed, "azure/vm-id")
  std::string location = "eastus";
  std::optional<std::string> thim_json;  // nullopt: THIM answers 404 (not an SEV-SNP host)
  TdQuoteFunction td_quote;              // empty: /acc/tdquote answers 404 (not a TDX host)
};

class ImdsServer {
 public:
  static Result<std::unique_ptr<ImdsServer>> Start(ImdsOptions options);
  ~ImdsServer();
  ImdsServer(const ImdsServer&) = delete;
  ImdsServer& operator=(const ImdsServer&) = delete;

  void Stop();  // idempotent
  // "http://127.0.0.1:PORT": what the guest uses instead of http://169.254.169.254.
  std::string url() const { return server_->url(); }
  const EntraIssuer& issuer() const { return issuer_; }
  // <url>/<tenant>/.well-known/openid-configuration and <url>/<tenant>/discovery/keys.
  std::string discovery_url() const;
  std::string jwks_url() const;
  const std::vector<ManagedIdentity>& identities() const { return identities_; }
  const std::string& vm_id() const { return vm_id_; }
  // Requests answered (any status), for tests that check the server kept serving.
  uint64_t requests() const;

 private:
  explicit ImdsServer(EntraIssuer issuer) : issuer_(std::move(issuer)) {}
  void Install(httplib::Server& svr);

  ImdsOptions options_;
  EntraIssuer issuer_;
  std::vector<ManagedIdentity> identities_;
  std::vector<std::string> resources_;
  std::string vm_id_;
  std::shared_ptr<const Clock> clock_;
  std::unique_ptr<http::Server> server_;
  std::shared_ptr<std::atomic<uint64_t>> requests_ = std::make_shared<std::atomic<uint64_t>>(0);
};

}  // namespace skr::emulator::imds

#endif  // SKR_EMULATOR_IMDS_IMDS_SERVER_H_
