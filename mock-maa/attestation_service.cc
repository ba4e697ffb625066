#include "mock-maa/attestation_service.h"

#include <cctype>
#include <ctime>
#include <map>
#include <mutex>

#include "libskr/base/clock.h"
#include "libskr/base/files.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/drbg.h"
#include "libskr/encoding/encoding.h"
#include "libskr/snp/verify.h"
#include "mock-maa/claims.h"
#include "mock-maa/evidence.h"
#include "mock-maa/policy/policy.h"
#include "mock-maa/token.h"

namespace skr::mock_maa {

using nlohmann::json;

namespace {

// api-versions real clients use (skr-protocol.md 1.1, 6.13).
constexpr const char* kApiVersions[] = {"2020-10-01", "2022-08-01", "2023-04-01-preview",
                                        "2025-06-01"};

// Default policies. These two texts reproduce the x-ms-policy-hash of real MAA tokens exactly:
// the SevSnpVm spec example token (9NY0VnTQ...) and the TdxVm docs token (B56nbp5s...)
// (skr-protocol.md 3.3, 3.4), so they are MAA's defaults for those types. Other types' defaults
// are not known; they use the TdxVm text.
constexpr char kDefaultSevSnpVmPolicy[] = "version= 1.0;authorizationrules{=> permit();};";
constexpr char kDefaultTdxVmPolicy[] =
    "version= 1.0;\n\nauthorizationrules\n{\n    => permit();\n};\n\nissuancerules\n{\n};";

// Attestation types with policies (skr-protocol.md 1.1), in the spec's spelling.
constexpr const char* kAttestationTypes[] = {"SgxEnclave", "OpenEnclave", "AzureGuest",
                                             "SevSnpVm",   "Tpm",         "TdxVm"};

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::optional<std::string> CanonicalType(std::string_view t) {
  for (const char* k : kAttestationTypes) {
    if (IEquals(t, k)) return std::string(k);
  }
  return std::nullopt;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

struct Target {
  std::string path;
  std::map<std::string, std::string> query;  // lower-case names
};

Target ParseTarget(std::string_view target) {
  Target t;
  size_t q = target.find('?');
  t.path = UrlDecode(target.substr(0, q));
  if (q == std::string_view::npos) return t;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view kv = rest.substr(0, amp);
    size_t eq = kv.find('=');
    std::string name = UrlDecode(kv.substr(0, eq));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    t.query[name] = eq == std::string_view::npos ? "" : UrlDecode(kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return t;
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

ServiceResponse JsonResponse(int status, const json& body) {
  ServiceResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

// MAA's error shape (skr-protocol.md 1.5): {"error":{"code","message"}} plus x-ms-error-code.
ServiceResponse MaaError(int status, const std::string& code, const std::string& message) {
  ServiceResponse r = JsonResponse(status, {{"error", {{"code", code}, {"message", message}}}});
  r.headers.push_back({"x-ms-error-code", code});
  return r;
}

// Maps a library error to MAA's codes (skr-protocol.md 1.5): authenticity and malformed evidence
// are InvalidParameter, policy denial PolicyEvaluationError.
ServiceResponse FromError(const Error& e, const std::string& context) {
  std::string msg = context + ": " + e.message();
  switch (e.code()) {
    case ErrorCode::kPolicyViolation:
      return MaaError(400, "PolicyEvaluationError", msg);
    case ErrorCode::kInternal:
      return MaaError(500, "InternalError", msg);
    default:
      return MaaError(400, "InvalidParameter", msg);
  }
}

}  // namespace

struct AttestationService::State {
  ServiceOptions options;
  mutable std::mutex mu;
  // The service clock (libskr/base/clock.h): fixed once set (options.now, /_test/clock PUT),
  // otherwise the wall clock plus what /_test/clock advanced it by.
  std::unique_ptr<FixedClock> fixed_clock;
  SystemClock system_clock;
  int64_t offset = 0;
  int generation = 0;
  std::unique_ptr<TokenSigner> signer;
  std::map<std::string, Policy> policies;  // canonical type -> policy
  Policy default_snp_policy = Policy::Parse(kDefaultSevSnpVmPolicy).value();
  Policy default_policy = Policy::Parse(kDefaultTdxVmPolicy).value();
  uint64_t request_counter = 0;

  int64_t NowLocked() const {
    if (fixed_clock) return fixed_clock->Now();
    return system_clock.Now() + offset;
  }
  void SetNowLocked(int64_t now) {
    if (fixed_clock) {
      fixed_clock->Set(now);
    } else {
      fixed_clock = std::make_unique<FixedClock>(now);
    }
  }
  void AdvanceLocked(int64_t seconds) {
    if (fixed_clock) {
      fixed_clock->Advance(seconds);
    } else {
      offset += seconds;
    }
  }
  const Policy& PolicyFor(const std::string& type) const {
    auto it = policies.find(type);
    if (it != policies.end()) return it->second;
    return DefaultPolicyFor(type);
  }
  const Policy& DefaultPolicyFor(const std::string& type) const {
    return type == "SevSnpVm" ? default_snp_policy : default_policy;
  }

  ServiceResponse Route(std::string_view method, const Target& t, std::string_view body);
  ServiceResponse Attest(const std::string& type, const Target& t, std::string_view body);
  ServiceResponse Policies(std::string_view method, const std::string& type, bool reset,
                           std::string_view body);
  ServiceResponse TestControl(std::string_view method, const std::string& what,
                              std::string_view body);
  // Signed token under the stored policy, or, with `draft` (draftPolicyForAttestation), an
  // unsecured JWT (alg "none") under the draft policy (skr-protocol.md 1.2).
  Result<std::string> IssueToken(json claims, const std::string& type_for_policy,
                                 std::string_view body, const Policy* draft = nullptr);
  std::string Jti(std::string_view body);
};

Result<std::pair<std::vector<x509::Certificate>, std::vector<x509::Certificate>>>
LoadSampleTrustAnchors(const std::filesystem::path& shared_dir) {
  std::vector<x509::Certificate> amd, intel;
  for (const char* f : {"milan", "genoa", "turin"}) {
    auto path = shared_dir / "evidence-samples" / "trustee" / "amd-ca" /
                (std::string(f) + "_ask_ark_asvk.pem");
    SKR_ASSIGN_OR_RETURN(std::string pem, ReadFileText(path));
    SKR_ASSIGN_OR_RETURN(std::vector<x509::Certificate> certs, x509::CertificatesFromPem(pem));
    for (auto& c : certs) {
      if (c.is_self_issued()) amd.push_back(c);
    }
  }
  auto intel_path = shared_dir / "evidence-samples" / "go-tdx-guest" / "trusted_root.pem";
  SKR_ASSIGN_OR_RETURN(std::string pem, ReadFileText(intel_path));
  SKR_ASSIGN_OR_RETURN(intel, x509::CertificatesFromPem(pem));
  return std::make_pair(std::move(amd), std::move(intel));
}

Result<std::unique_ptr<AttestationService>> AttestationService::Create(ServiceOptions options) {
  auto st = std::make_unique<State>();
  if (options.now) st->SetNowLocked(*options.now);
  SKR_ASSIGN_OR_RETURN(TokenSigner signer, TokenSigner::Create(options.seed, 0, options.issuer));
  st->signer = std::make_unique<TokenSigner>(std::move(signer));
  st->options = std::move(options);
  return std::unique_ptr<AttestationService>(new AttestationService(std::move(st)));
}

AttestationService::AttestationService(std::unique_ptr<State> state) : state_(std::move(state)) {}
AttestationService::~AttestationService() = default;

Result<void> AttestationService::SetIssuer(const std::string& issuer) {
  std::string iss = issuer;
  while (!iss.empty() && iss.back() == '/') iss.pop_back();
  std::lock_guard<std::mutex> l(state_->mu);
  SKR_ASSIGN_OR_RETURN(TokenSigner s, state_->signer->WithIssuer(state_->options.seed, iss));
  state_->signer = std::make_unique<TokenSigner>(std::move(s));
  state_->options.issuer = iss;
  return Ok();
}

std::string AttestationService::issuer() const {
  std::lock_guard<std::mutex> l(state_->mu);
  return state_->options.issuer;
}

int64_t AttestationService::Now() const {
  std::lock_guard<std::mutex> l(state_->mu);
  return state_->NowLocked();
}

void AttestationService::SetNow(int64_t now) {
  std::lock_guard<std::mutex> l(state_->mu);
  state_->SetNowLocked(now);
}

void AttestationService::Advance(int64_t seconds) {
  std::lock_guard<std::mutex> l(state_->mu);
  state_->AdvanceLocked(seconds);
}

Result<void> AttestationService::RotateSigningKey() {
  std::lock_guard<std::mutex> l(state_->mu);
  SKR_ASSIGN_OR_RETURN(
      TokenSigner s,
      TokenSigner::Create(state_->options.seed, state_->generation + 1, state_->options.issuer));
  state_->signer = std::make_unique<TokenSigner>(std::move(s));
  ++state_->generation;
  return Ok();
}

std::string AttestationService::CurrentKid() const {
  std::lock_guard<std::mutex> l(state_->mu);
  return state_->signer->kid();
}

ServiceResponse AttestationService::Handle(std::string_view method, std::string_view target,
                                           std::string_view body) {
  std::lock_guard<std::mutex> l(state_->mu);
  if (body.size() > state_->options.max_body_bytes) {
    return MaaError(413, "RequestEntityTooLarge",
                    "request body of " + std::to_string(body.size()) +
                        " bytes exceeds the limit of " +
                        std::to_string(state_->options.max_body_bytes) + " bytes");
  }
  try {
    return state_->Route(method, ParseTarget(target), body);
  } catch (const std::exception& e) {
    // nlohmann::json type errors on hostile input end here; the service keeps serving.
    return MaaError(400, "InvalidParameter", std::string("malformed request: ") + e.what());
  }
}

ServiceResponse AttestationService::State::Route(std::string_view method, const Target& t,
                                                 std::string_view body) {
  std::vector<std::string> parts = SplitPath(t.path);
  const std::string& iss = options.issuer;
  auto method_not_allowed = [&](std::string_view allowed) {
    ServiceResponse r = MaaError(405, "MethodNotAllowed",
                                 "method " + std::string(method) + " is not allowed on " + t.path +
                                     " (allowed: " + std::string(allowed) + ")");
    r.headers.push_back({"Allow", std::string(allowed)});
    return r;
  };

  if (parts.size() == 2 && IEquals(parts[0], ".well-known") &&
      IEquals(parts[1], "openid-configuration")) {
    if (method != "GET") return method_not_allowed("GET");
    return JsonResponse(200, {{"claims_supported",
                               {"iss", "iat", "nbf", "exp", "jti", "nonce", "x-ms-ver",
                                "x-ms-attestation-type", "x-ms-policy-hash", "x-ms-runtime",
                                "x-ms-inittime", "x-ms-compliance-status", "x-ms-isolation-tee"}},
                              {"id_token_signing_alg_values_supported", {"RS256"}},
                              {"issuer", iss},
                              {"jwks_uri", iss + "/certs"},
                              {"response_types_supported", {"token", "none"}},
                              {"revocation_endpoint", iss + "/revoke"}});
  }
  if (parts.size() == 1 && IEquals(parts[0], "certs")) {
    if (method != "GET") return method_not_allowed("GET");
    return JsonResponse(200, {{"keys", json::array({signer->Jwk()})}});
  }
  if (!parts.empty() && parts[0] == "_test" && options.test_controls) {
    return TestControl(method, parts.size() == 2 ? parts[1] : "", body);
  }

  bool is_attest = parts.size() == 2 && IEquals(parts[0], "attest");
  bool is_policy = parts.size() == 2 && IEquals(parts[0], "policies");
  if (!is_attest && !is_policy) {
    return MaaError(404, "NotFound", "no such endpoint: " + t.path);
  }
  // api-version is required on the data-plane operations (skr-protocol.md 1.1).
  auto av = t.query.find("api-version");
  if (av == t.query.end() || av->second.empty()) {
    return MaaError(400, "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all "
                    "requests.");
  }
  bool known = false;
  for (const char* v : kApiVersions) known = known || av->second == v;
  if (!known) {
    std::string list;
    for (const char* v : kApiVersions) list += (list.empty() ? "" : ", ") + std::string(v);
    return MaaError(400, "InvalidApiVersionParameter",
                    "The api-version '" + av->second +
                        "' is invalid. The supported versions are '" + list + "'.");
  }

  if (is_attest) {
    if (method != "POST") return method_not_allowed("POST");
    auto type = CanonicalType(parts[1]);
    if (!type) {
      return MaaError(404, "NotFound", "unknown attestation type '" + parts[1] + "'");
    }
    return Attest(*type, t, body);
  }
  // /policies/{type} or /policies/{type}:reset
  std::string seg = parts[1];
  bool reset = false;
  if (size_t c = seg.find(':'); c != std::string::npos) {
    if (!IEquals(seg.substr(c + 1), "reset")) {
      return MaaError(404, "NotFound", "unknown policy operation '" + seg.substr(c + 1) + "'");
    }
    reset = true;
    seg = seg.substr(0, c);
  }
  auto type = CanonicalType(seg);
  if (!type) {
    return MaaError(400, "InvalidParameter",
                    "unknown attestation type '" + seg +
                        "' (expected SgxEnclave, OpenEnclave, AzureGuest, SevSnpVm, Tpm, TdxVm)");
  }
  if (reset && method != "POST") return method_not_allowed("POST");
  if (!reset && method != "GET" && method != "PUT") return method_not_allowed("GET, PUT");
  return Policies(method, *type, reset, body);
}

std::string AttestationService::State::Jti(std::string_view body) {
  // Deterministic given the seed, the clock and the request (plus a per-service counter so two
  // identical requests in the same second still get distinct ids).
  Bytes in = options.seed;
  std::string ctx =
      "mock-maa/jti/" + std::to_string(NowLocked()) + "/" + std::to_string(request_counter++) + "/";
  in.insert(in.end(), ctx.begin(), ctx.end());
  Bytes h = crypto::Sha256(AsBytes(body));
  in.insert(in.end(), h.begin(), h.end());
  return encoding::HexEncode(crypto::Sha256(in));
}

Result<std::string> AttestationService::State::IssueToken(json claims,
                                                          const std::string& type_for_policy,
                                                          std::string_view body,
                                                          const Policy* draft) {
  const Policy& policy = draft ? *draft : PolicyFor(type_for_policy);
  SKR_ASSIGN_OR_RETURN(PolicyEvaluation ev, policy.Evaluate(ToPolicyClaims(claims)));
  CommonClaimsInput in;
  in.issuer = options.issuer;
  in.iat = NowLocked();
  in.jti = Jti(body);
  in.attestation_type = claims.value("x-ms-attestation-type", "");
  in.policy_hash = PolicyHash(policy.text());
  json token = CommonClaims(in);
  for (auto it = claims.begin(); it != claims.end(); ++it) {
    if (!token.contains(it.key())) token[it.key()] = it.value();
  }
  AddIssuedClaims(token, ev.issued);
  if (draft) {
    return encoding::Base64UrlEncode(AsBytes(R"({"alg":"none"})")) + "." +
           encoding::Base64UrlEncode(AsBytes(token.dump())) + ".";
  }
  return signer->Sign(token);
}

ServiceResponse AttestationService::State::Attest(const std::string& type, const Target&,
                                                  std::string_view body) {
  json req = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded() || !req.is_object()) {
    return MaaError(
        400, "InvalidParameter",
        "request body is not a JSON object (" + std::to_string(body.size()) + " bytes)");
  }
  EvidenceContext ctx;
  ctx.now = NowLocked();
  ctx.amd_roots = options.amd_roots;
  ctx.intel_roots = options.intel_roots;
  ctx.aik_roots = options.aik_roots;
  ctx.compliance_status = options.compliance_status;

  if (type == "SevSnpVm") {
    std::optional<Policy> draft;
    if (const json* d = FindMember(req, "draftPolicyForAttestation"); d && !d->is_null()) {
      if (!d->is_string()) {
        return MaaError(400, "InvalidParameter", "draftPolicyForAttestation must be a string");
      }
      auto p = Policy::Parse(d->get<std::string>());
      if (!p.ok()) return MaaError(400, "PolicyParsingError", p.error().message());
      draft = std::move(*p);
    }
    auto claims = SevSnpVmRequestClaims(req, ctx);
    if (!claims.ok()) return FromError(claims.error(), "SevSnpVm attestation failed");
    auto tok = IssueToken(*claims, type, body, draft ? &*draft : nullptr);
    if (!tok.ok()) return FromError(tok.error(), "SevSnpVm attestation failed");
    return JsonResponse(200, {{"token", *tok}});
  }
  if (type == "TdxVm") {
    auto claims = TdxVmRequestClaims(req, ctx);
    if (!claims.ok()) return FromError(claims.error(), "TdxVm attestation failed");
    auto tok = IssueToken(*claims, type, body);
    if (!tok.ok()) return FromError(tok.error(), "TdxVm attestation failed");
    return JsonResponse(200, {{"token", *tok}});
  }
  if (type == "AzureGuest") {
    auto guest = AzureGuestRequestClaims(req, ctx);
    if (!guest.ok()) return FromError(guest.error(), "AzureGuest attestation failed");
    auto tok = IssueToken(guest->claims, type, body);
    if (!tok.ok()) return FromError(tok.error(), "AzureGuest attestation failed");
    crypto::Drbg drbg(options.seed, "mock-maa/seal/" + Jti(body));
    auto sealed = SealToken(*tok, guest->encryption_key, drbg);
    if (!sealed.ok()) return FromError(sealed.error(), "AzureGuest attestation failed");
    return JsonResponse(200, {{"token", *sealed}});
  }
  return MaaError(400, "InvalidParameter",
                  "attestation type " + type +
                      " is not implemented by mock-maa (SevSnpVm, TdxVm, "
                      "AzureGuest are)");
}

ServiceResponse AttestationService::State::Policies(std::string_view method,
                                                    const std::string& type, bool reset,
                                                    std::string_view body) {
  auto result_token = [&](const std::string& result, const Policy& p) {
    json claims = {{"x-ms-policy-result", result},
                   {"x-ms-policy-token-hash", PolicyHash(p.text())},
                   {"x-ms-attestation-type", type},
                   {"iss", options.issuer},
                   {"iat", NowLocked()}};
    // The policy as an unsecured JWS {"AttestationPolicy": base64url(text)} (skr-protocol.md 1.1).
    json stored = {{"AttestationPolicy", encoding::Base64UrlEncode(AsBytes(p.text()))}};
    claims["x-ms-policy"] = encoding::Base64UrlEncode(AsBytes(R"({"alg":"none"})")) + "." +
                            encoding::Base64UrlEncode(AsBytes(stored.dump())) + ".";
    auto tok = signer->Sign(claims);
    if (!tok.ok()) return FromError(tok.error(), "policy");
    return JsonResponse(200, {{"token", *tok}});
  };
  if (reset) {
    policies.erase(type);
    return result_token("Removed", DefaultPolicyFor(type));
  }
  if (method == "GET") return result_token("Current", PolicyFor(type));
  // PUT: text/plain body, a JWS whose payload is {"AttestationPolicy": base64url(text)}, or the
  // policy text itself.
  auto text = PolicyTextFromBody(body);
  if (!text.ok())
    return MaaError(400, "InvalidParameter", "policy upload: " + text.error().message());
  auto p = Policy::Parse(*text);
  if (!p.ok()) return MaaError(400, "PolicyParsingError", p.error().message());
  policies.insert_or_assign(type, *p);
  return result_token("Updated", *p);
}

ServiceResponse AttestationService::State::TestControl(std::string_view method,
                                                       const std::string& what,
                                                       std::string_view body) {
  if (what == "clock") {
    if (method == "GET") return JsonResponse(200, {{"now", NowLocked()}});
    json req = json::parse(body.begin(), body.end(), nullptr, false);
    if (req.is_discarded() || !req.is_object()) {
      return MaaError(400, "InvalidParameter",
                      "/_test/clock: body must be {\"now\": <seconds>} "
                      "or {\"advance\": <seconds>}");
    }
    if (req.contains("now") && req["now"].is_number_integer()) {
      SetNowLocked(req["now"].get<int64_t>());
    } else if (req.contains("advance") && req["advance"].is_number_integer()) {
      AdvanceLocked(req["advance"].get<int64_t>());
    } else {
      return MaaError(400, "InvalidParameter",
                      "/_test/clock: expected integer \"now\" or \"advance\"");
    }
    return JsonResponse(200, {{"now", NowLocked()}});
  }
  if (what == "rotate-signing-key") {
    if (method != "POST") return MaaError(405, "MethodNotAllowed", "use POST");
    auto s = TokenSigner::Create(options.seed, generation + 1, options.issuer);
    if (!s.ok()) return FromError(s.error(), "rotate-signing-key");
    signer = std::make_unique<TokenSigner>(std::move(*s));
    ++generation;
    return JsonResponse(200, {{"kid", signer->kid()}, {"generation", generation}});
  }
  return MaaError(404, "NotFound",
                  "unknown test control '" + what + "' (clock, rotate-signing-key)");
}

}  // namespace skr::mock_maa
