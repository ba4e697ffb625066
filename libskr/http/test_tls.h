// A test/demo TLS PKI for the harness servers: a self-signed CA and a server certificate for the
// given host names and IP addresses, both derived from a seed (same seed -> same PEM bytes).
// Clients trust the servers by passing `ca_cert_pem` as their CA bundle.
#ifndef SKR_HTTP_TEST_TLS_H_
#define SKR_HTTP_TEST_TLS_H_

#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/http/server.h"

namespace skr::http {

struct ServerTls {
  std::string ca_cert_pem;  // the trust anchor to give clients
  TlsIdentity identity;     // leaf + CA chain and the leaf's key, for ServerOptions::tls
};

// ECDSA P-256 CA "CN=skr-harness test CA <label>" and server certificate (serverAuth,
// subjectAltName with a dNSName per host name and an iPAddress per IPv4/IPv6 literal), valid
// 2020-01-01 to 2049-12-31 so runs with a frozen --now still verify. `label` separates the PKIs of
// different services under one seed (e.g. "mock-kv"). InvalidArgument for an empty host list.
Result<ServerTls> MakeServerTls(ByteView seed, const std::vector<std::string>& hostnames,
                                std::string_view label = "default");

// "localhost", "127.0.0.1", "::1".
std::vector<std::string> DefaultTlsHostnames();

}  // namespace skr::http

#endif  // SKR_HTTP_TEST_TLS_H_
