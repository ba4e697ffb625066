// The negative matrix: requests the real services refuse, each with the exact HTTP status and
// error code they answer (skr-protocol.md 1.5, 4.5) and the assertion that nothing was released
// (no MAA "token", no Key Vault "value"). The table is negative_matrix.cc.
#ifndef SKR_CONFORMANCE_HARNESS_NEGATIVE_MATRIX_H_
#define SKR_CONFORMANCE_HARNESS_NEGATIVE_MATRIX_H_

#include <functional>
#include <string>
#include <vector>

#include "conformance/harness/checks.h"
#include "libskr/base/result.h"
#include "libskr/http/client.h"

namespace skr::harness {

enum class Service { kMaa, kVault };

// One HTTP request, sent to the MAA or Key Vault endpoint of the target.
struct Probe {
  std::string method = "POST";
  std::string path;  // with the query
  http::Headers headers;
  std::string body;
  std::string content_type = "application/json";
};

struct NegativeCase {
  std::string id;  // "<category>.<area>.<what>"
  CheckCategory category;
  std::string description;
  Service service;
  int status;        // expected HTTP status
  std::string code;  // expected error.code
  // Live mode may send it: it creates nothing and needs only the endpoint (plus, with
  // needs_bearer, SKR_KV_BEARER_TOKEN) and no evidence the service trusts.
  bool live_safe = false;
  bool needs_bearer = false;
  std::function<Result<Probe>(ConformanceTarget&)> build;
};

const std::vector<NegativeCase>& NegativeMatrix();

// Sends the case's request and checks status, error shape and code, and that nothing was
// released. Skips (with the variable to set) what live mode cannot run.
CheckResult RunNegativeCase(const NegativeCase& c, ConformanceTarget& target);

std::vector<Check> NegativeMatrixChecks();

}  // namespace skr::harness

#endif  // SKR_CONFORMANCE_HARNESS_NEGATIVE_MATRIX_H_
