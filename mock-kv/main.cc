// mock-kv server binary: see README.md for the flags.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "libskr/base/files.h"
#include "libskr/encoding/encoding.h"
#include "libskr/http/server_cli.h"
#include "libskr/http/test_tls.h"
#include "libskr/jose/jwk.h"
#include "mock-kv/key_vault.h"

namespace {

constexpr char kUsage[] =
    "usage: mock-kv [server flags] [mock-kv flags]\n"
    "mock-kv flags:\n"
    "  --trust-issuer URL       attestation service whose tokens releases accept (repeatable)\n"
    "  --oidc-ca FILE           PEM CA bundle for fetching issuer metadata over HTTPS\n"
    "  --data DIR               durable SQLite store (key material AES-256-GCM encrypted)\n"
    "  --data-key FILE          32-byte storage key (raw or 64 hex chars); default: from --seed\n"
    "  --vault-url URL          base URL used in kids (default: the listening URL)\n"
    "  --tenant ID              Entra tenant of the bearer tokens\n"
    "  --identity-issuer URL    bearer token issuer (default https://sts.windows.net/<tenant>/)\n"
    "  --identity-jwks FILE     JWKS of the bearer token issuer (default: OIDC discovery)\n"
    "  --access-policy OID=P,P  key permissions of an identity, e.g. oid=get,release (repeatable)\n"
    "  --no-auth                accept requests without bearer tokens (no access checks)\n"
    "  --tls-ca-out FILE        write the server's TLS CA certificate (PEM) here\n"
    "  --recoverable-days N     soft-delete retention, 7-90 (default 90)\n";

int Fail(const std::string& msg) {
  std::fprintf(stderr, "mock-kv: %s\n", msg.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace skr;
  http::ServerFlags flags;
  flags.listen = {"127.0.0.1", 8443};
  auto rest = http::ParseServerFlags(argc, argv, flags);
  if (!rest.ok()) return Fail(rest.error().message());
  if (flags.help) {
    std::printf("%s\nserver flags:\n%s", kUsage, http::ServerFlagsHelp().c_str());
    return 0;
  }
  mock_kv::KeyVaultOptions o;
  o.seed = flags.SeedBytes();
  o.clock = flags.MakeClock();
  o.server.listen = flags.listen;
  std::string tls_ca_out;
  const auto& args = *rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    if (a == "--no-auth") {
      o.require_auth = false;
      continue;
    }
    auto v = value();
    if (!v) return Fail("unknown flag or missing value: " + a + "\n" + kUsage);
    if (a == "--trust-issuer") {
      o.attestation.trusted_issuers.push_back(*v);
    } else if (a == "--oidc-ca") {
      auto pem = ReadFileText(*v);
      if (!pem.ok()) return Fail(pem.error().message());
      o.attestation.ca_bundle_pem = *pem;
      o.identity.ca_bundle_pem = *pem;
    } else if (a == "--data") {
      o.data_dir = *v;
    } else if (a == "--data-key") {
      auto raw = ReadFileBytes(*v);
      if (!raw.ok()) return Fail(raw.error().message());
      Bytes key = *raw;
      std::string text = AsString(key);
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
      if (text.size() == 64) {
        auto hex = encoding::HexDecode(text);
        if (hex.ok()) key = *hex;
      }
      if (key.size() != 32) return Fail("--data-key: expected 32 raw bytes or 64 hex characters");
      o.storage_key = key;
    } else if (a == "--vault-url") {
      o.vault_url = *v;
    } else if (a == "--tenant") {
      o.identity.tenant_id = *v;
    } else if (a == "--identity-issuer") {
      o.identity.issuer = *v;
    } else if (a == "--identity-jwks") {
      auto text = ReadFileText(*v);
      if (!text.ok()) return Fail(text.error().message());
      auto jwks = jose::Jwks::ParseText(*text);
      if (!jwks.ok()) return Fail("--identity-jwks: " + jwks.error().message());
      o.identity.jwks = *jwks;
    } else if (a == "--access-policy") {
      size_t eq = v->find('=');
      if (eq == std::string::npos || eq == 0)
        return Fail("--access-policy: expected OID=perm,perm");
      mock_kv::AccessPolicy p;
      p.object_id = v->substr(0, eq);
      std::stringstream ss(v->substr(eq + 1));
      std::string perm;
      while (std::getline(ss, perm, ',')) {
        if (!perm.empty()) p.key_permissions.push_back(perm);
      }
      o.access_policies.push_back(p);
    } else if (a == "--tls-ca-out") {
      tls_ca_out = *v;
    } else if (a == "--recoverable-days") {
      o.recoverable_days = std::atoi(v->c_str());
    } else {
      return Fail("unknown flag: " + a + "\n" + kUsage);
    }
  }
  if (!flags.plain_http) {
    auto tls = http::MakeServerTls(o.seed, http::DefaultTlsHostnames(), "mock-kv");
    if (!tls.ok()) return Fail(tls.error().ToString());
    o.server.tls = tls->identity;
    if (!tls_ca_out.empty()) {
      auto w = WriteFileBytes(tls_ca_out, AsBytes(tls->ca_cert_pem));
      if (!w.ok()) return Fail(w.error().message());
    }
  }
  auto svc = mock_kv::KeyVaultService::Start(std::move(o));
  if (!svc.ok()) return Fail(svc.error().ToString());
  http::PrintListening((*svc)->url());
  int sig = http::WaitForShutdownSignal();
  (*svc)->Stop();
  std::fprintf(stderr, "mock-kv: stopped on signal %d\n", sig);
  return 0;
}
