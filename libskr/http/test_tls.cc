#include "libskr/http/test_tls.h"

#include <arpa/inet.h>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/drbg.h"
#include "libskr/encoding/der.h"
#include "libskr/x509/builder.h"

namespace skr::http {

namespace {

constexpr std::time_t kNotBefore = 1577836800;  // 2020-01-01T00:00:00Z
constexpr std::time_t kNotAfter = 2524607999;   // 2049-12-31T23:59:59Z (still UTCTime)

// subjectAltName (RFC 5280 4.2.1.6): SEQUENCE OF GeneralName, dNSName [2] IA5String and
// iPAddress [7] OCTET STRING, both IMPLICIT (primitive context tags 0x82 / 0x87).
Bytes SubjectAltName(const std::vector<std::string>& hosts) {
  std::vector<Bytes> names;
  for (const auto& h : hosts) {
    unsigned char addr[16];
    if (inet_pton(AF_INET, h.c_str(), addr) == 1) {
      names.push_back(der::Tlv(0x87, ByteView(addr, 4)));
    } else if (inet_pton(AF_INET6, h.c_str(), addr) == 1) {
      names.push_back(der::Tlv(0x87, ByteView(addr, 16)));
    } else {
      names.push_back(der::Tlv(0x82, AsBytes(h)));
    }
  }
  return der::Sequence(names);
}

Bytes Serial(crypto::Drbg& drbg) {
  Bytes s = drbg.Generate(16);
  s[0] &= 0x7F;
  s[0] |= 0x01;  // positive and exactly 16 bytes
  return s;
}

}  // namespace

std::vector<std::string> DefaultTlsHostnames() { return {"localhost", "127.0.0.1", "::1"}; }

Result<ServerTls> MakeServerTls(ByteView seed, const std::vector<std::string>& hostnames,
                                std::string_view label) {
  if (hostnames.empty()) return InvalidArgument("MakeServerTls: no host names for the certificate");
  std::string base = "http/test-tls/" + std::string(label);
  crypto::Drbg ca_drbg(seed, base + "/ca");
  crypto::Drbg leaf_drbg(seed, base + "/server");
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey ca_key,
                       crypto::DeriveEcKey(ca_drbg, crypto::Curve::kP256));
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey leaf_key,
                       crypto::DeriveEcKey(leaf_drbg, crypto::Curve::kP256));

  x509::DistinguishedName ca_name = {{"O", "skr-harness"},
                                     {"CN", "skr-harness test CA " + std::string(label)}};
  x509::CertificateSpec ca;
  ca.serial = Serial(ca_drbg);
  ca.issuer = ca_name;
  ca.subject = ca_name;
  ca.not_before = kNotBefore;
  ca.not_after = kNotAfter;
  ca.subject_key = ca_key.public_key();
  ca.basic_constraints_ca = true;
  ca.path_len = 0;
  ca.key_usage = x509::kKeyUsageKeyCertSign | x509::kKeyUsageCrlSign;
  ca.subject_key_identifier = true;
  SKR_ASSIGN_OR_RETURN(x509::Certificate ca_cert,
                       x509::SignCertificate(ca, ca_key, x509::SignatureAlgorithm::kEcdsaSha256));

  x509::CertificateSpec leaf;
  leaf.serial = Serial(leaf_drbg);
  leaf.issuer = ca_name;
  leaf.subject = {{"O", "skr-harness"}, {"CN", hostnames.front()}};
  leaf.not_before = kNotBefore;
  leaf.not_after = kNotAfter;
  leaf.subject_key = leaf_key.public_key();
  leaf.basic_constraints_ca = false;
  leaf.key_usage = x509::kKeyUsageDigitalSignature;
  leaf.subject_key_identifier = true;
  leaf.authority_key_identifier = true;
  SKR_ASSIGN_OR_RETURN(Bytes server_auth, der::Oid("1.3.6.1.5.5.7.3.1"));
  std::vector<Bytes> eku = {server_auth};
  leaf.extensions.push_back({"2.5.29.37", false, der::Sequence(eku)});
  leaf.extensions.push_back({"2.5.29.17", false, SubjectAltName(hostnames)});
  SKR_ASSIGN_OR_RETURN(x509::Certificate leaf_cert,
                       x509::SignCertificate(leaf, ca_key, x509::SignatureAlgorithm::kEcdsaSha256));

  ServerTls out;
  out.ca_cert_pem = ca_cert.ToPem();
  out.identity.cert_chain_pem = leaf_cert.ToPem() + ca_cert.ToPem();
  out.identity.key_pem = leaf_key.ToPem();
  return out;
}

}  // namespace skr::http
