// mock-maa: a Microsoft Azure Attestation-compatible service, transport-independent. Handle()
// takes one HTTP request (method, target, body) and returns the response MAA would give; the
// HTTP server (server.h) and the tests both drive it. See mock-maa/README.md.
#ifndef SKR_MOCK_MAA_ATTESTATION_SERVICE_H_
#define SKR_MOCK_MAA_ATTESTATION_SERVICE_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/x509/certificate.h"

namespace skr::mock_maa {

struct ServiceOptions {
  Bytes seed;  // token-signing key, jti and sealing randomness derive from it
  // Issuer (iss, jku, certificate CN). May be set later with SetIssuer() once the server knows
  // its port; no trailing slash.
  std::string issuer = "https://mock-maa.local";
  // The service clock in seconds since the epoch; nullopt = wall clock. Tokens (iat/nbf/exp) and
  // certificate-chain checks use it.
  std::optional<int64_t> now;
  // Trust anchors: AMD ARKs (real ones and/or an emulator's) and Intel SGX roots.
  std::vector<x509::Certificate> amd_roots;
  std::vector<x509::Certificate> intel_roots;
  // vTPM AIK certificate roots for AzureGuest (Azure's are not public; an emulator's).
  std::vector<x509::Certificate> aik_roots;
  // x-ms-compliance-status for SevSnpVm/TdxVm/isolation claims; real MAA decides it from Azure's
  // firmware measurements, which a mock cannot know (README).
  std::string compliance_status = "azure-compliant-cvm";
  size_t max_body_bytes = 1 << 20;  // larger requests get 413
  bool test_controls = true;        // serve /_test/* (clock, key rotation)
};

// The real AMD ARKs (Milan, Genoa, Turin) and the Intel SGX root from the shared samples folder,
// read in place. NotFound if the folder is missing.
Result<std::pair<std::vector<x509::Certificate>, std::vector<x509::Certificate>>>
LoadSampleTrustAnchors(const std::filesystem::path& shared_dir);

struct ServiceResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (x-ms-error-code)
};

class AttestationService {
 public:
  static Result<std::unique_ptr<AttestationService>> Create(ServiceOptions options);
  ~AttestationService();

  // One request. `target` is the request target ("/attest/SevSnpVm?api-version=2022-08-01").
  // Never fails: errors are MAA error responses. Thread-safe.
  ServiceResponse Handle(std::string_view method, std::string_view target, std::string_view body);

  // Re-keys for a new issuer URL (the signing certificate's CN is the issuer).
  Result<void> SetIssuer(const std::string& issuer);
  std::string issuer() const;
  int64_t Now() const;
  void SetNow(int64_t now);
  void Advance(int64_t seconds);
  // Next signing-key generation; /certs then serves only the new key.
  Result<void> RotateSigningKey();
  std::string CurrentKid() const;

  struct State;

 private:
  explicit AttestationService(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace skr::mock_maa

#endif  // SKR_MOCK_MAA_ATTESTATION_SERVICE_H_
