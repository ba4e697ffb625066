#include "libskr/jose/jwk.h"

#include <algorithm>
#include <array>
#include <set>

#include "libskr/encoding/encoding.h"

namespace skr::jose {
namespace {

using Json = nlohmann::json;

constexpr std::array<const char*, 6> kRsaPrivate = {"d", "p", "q", "dp", "dq", "qi"};

// Members RFC 7517 section 4 and RFC 7518 section 6 define with a string value.
constexpr std::array<const char*, 8> kStringMembers = {"kty", "use", "alg",      "kid",
                                                       "x5u", "x5t", "x5t#S256", "crv"};

Result<std::string> StringMember(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return Malformed(std::string("JWK: missing member \"") + name + "\"");
  if (!it->is_string()) {
    return Malformed(std::string("JWK: member \"") + name + "\" must be a string, found " +
                     it->type_name());
  }
  return it->get<std::string>();
}

Bytes StripLeadingZeros(ByteView b) {
  size_t i = 0;
  while (i + 1 < b.size() && b[i] == 0) ++i;
  return Bytes(b.begin() + static_cast<ptrdiff_t>(i), b.end());
}

// RSA "e": Key Vault emits a leading zero byte ("AAEAAQ", skr-protocol.md 6.2), so leading zeros
// are accepted here and stripped. e must be odd and > 1 (e = 1 makes "signatures" trivial).
Result<Bytes> RsaExponent(const Json& j) {
  SKR_ASSIGN_OR_RETURN(Bytes e, DecodeJwkMember(j, "e"));
  e = StripLeadingZeros(e);
  if (e.empty() || (e.size() == 1 && e[0] <= 1) || (e.back() & 1) == 0) {
    return Malformed("JWK: RSA exponent \"e\" must be odd and greater than 1, found \"" +
                     j["e"].get<std::string>() + "\"");
  }
  return e;
}

Result<Bytes> RsaModulus(const Json& j) {
  SKR_ASSIGN_OR_RETURN(Bytes n, DecodeJwkMember(j, "n"));
  // RFC 7518 6.3.1.1: the modulus is the minimal big-endian representation.
  if (n.empty() || n[0] == 0) {
    return Malformed("JWK: RSA modulus \"n\" is empty or has a leading zero octet");
  }
  return n;
}

Result<crypto::PublicKey> RsaFromMembers(const Json& j) {
  SKR_ASSIGN_OR_RETURN(Bytes n, RsaModulus(j));
  SKR_ASSIGN_OR_RETURN(Bytes e, RsaExponent(j));
  return crypto::RsaPublicKeyFromComponents(n, e);
}

// EC coordinates and d must be exactly the field size (RFC 7518 6.2.1.2, 6.2.2.1).
Result<Bytes> EcMember(const Json& j, const char* name, crypto::Curve curve) {
  SKR_ASSIGN_OR_RETURN(Bytes v, DecodeJwkMember(j, name));
  size_t fs = crypto::CurveFieldSize(curve);
  if (v.size() != fs) {
    return Malformed(std::string("JWK: EC member \"") + name + "\" has " +
                     std::to_string(v.size()) + " bytes, " + std::string(CurveName(curve)) +
                     " needs exactly " + std::to_string(fs));
  }
  return v;
}

Result<crypto::Curve> EcCurve(const Json& j) {
  SKR_ASSIGN_OR_RETURN(std::string crv, StringMember(j, "crv"));
  auto curve = crypto::CurveFromName(crv);
  if (!curve.ok()) return Unsupported("JWK: unsupported EC curve \"" + crv + "\"");
  return *curve;
}

Result<crypto::PublicKey> EcFromMembers(const Json& j) {
  SKR_ASSIGN_OR_RETURN(crypto::Curve curve, EcCurve(j));
  SKR_ASSIGN_OR_RETURN(Bytes x, EcMember(j, "x", curve));
  SKR_ASSIGN_OR_RETURN(Bytes y, EcMember(j, "y", curve));
  auto key = crypto::EcPublicKeyFromComponents(curve, x, y);
  if (!key.ok()) return key.error().WithContext("JWK");
  return key;
}

// The key from n/e or crv/x/y, or nullopt when the JWK carries only x5c.
Result<std::optional<crypto::PublicKey>> KeyFromMembers(const Json& j, const std::string& kty) {
  if (kty == "RSA") {
    if (!j.contains("n") && !j.contains("e") && j.contains("x5c"))
      return std::optional<crypto::PublicKey>();
    SKR_ASSIGN_OR_RETURN(crypto::PublicKey k, RsaFromMembers(j));
    return std::optional<crypto::PublicKey>(k);
  }
  if (!j.contains("x") && !j.contains("y") && j.contains("x5c")) {
    SKR_ASSIGN_OR_RETURN(crypto::Curve curve, EcCurve(j));
    (void)curve;
    return std::optional<crypto::PublicKey>();
  }
  SKR_ASSIGN_OR_RETURN(crypto::PublicKey k, EcFromMembers(j));
  return std::optional<crypto::PublicKey>(k);
}

Result<std::vector<x509::Certificate>> ParseX5c(const Json& j) {
  auto it = j.find("x5c");
  if (it == j.end()) return std::vector<x509::Certificate>{};
  auto chain = DecodeX5c(*it);
  if (!chain.ok()) return chain.error().WithContext("JWK");
  return chain;
}

Result<void> CheckMemberTypes(const Json& j) {
  for (const char* name : kStringMembers) {
    auto it = j.find(name);
    if (it != j.end() && !it->is_string()) {
      return Malformed(std::string("JWK: member \"") + name + "\" must be a string, found " +
                       it->type_name());
    }
  }
  if (auto it = j.find("key_ops"); it != j.end()) {
    if (!it->is_array()) return Malformed("JWK: \"key_ops\" must be an array of strings");
    std::set<std::string> seen;
    for (const Json& op : *it) {
      if (!op.is_string()) return Malformed("JWK: \"key_ops\" must be an array of strings");
      // RFC 7517 4.3: duplicate key operation values MUST NOT be present.
      if (!seen.insert(op.get<std::string>()).second) {
        return Malformed("JWK: duplicate key_ops value \"" + op.get<std::string>() + "\"");
      }
    }
  }
  return Ok();
}

std::string KtyName(crypto::KeyType t) { return t == crypto::KeyType::kRsa ? "RSA" : "EC"; }

Result<void> Validate(const Json& j) {
  if (!j.is_object()) return Malformed(std::string("JWK: not a JSON object but ") + j.type_name());
  SKR_ASSIGN_OR_RETURN(std::string kty, StringMember(j, "kty"));
  SKR_RETURN_IF_ERROR(CheckMemberTypes(j));
  if (kty == "oct") {
    SKR_ASSIGN_OR_RETURN(Bytes k, DecodeJwkMember(j, "k"));
    (void)k;
    return Ok();
  }
  if (kty != "RSA" && kty != "EC") return Unsupported("JWK: unsupported kty \"" + kty + "\"");
  if (kty == "RSA" && j.contains("crv")) return Malformed("JWK: kty \"RSA\" with a \"crv\" member");
  if (kty == "EC" && (j.contains("n") || j.contains("e"))) {
    return Malformed("JWK: kty \"EC\" with RSA members n/e");
  }
  SKR_ASSIGN_OR_RETURN(std::optional<crypto::PublicKey> key, KeyFromMembers(j, kty));
  SKR_ASSIGN_OR_RETURN(std::vector<x509::Certificate> chain, ParseX5c(j));
  if (!chain.empty()) {
    crypto::PublicKey cert_key = chain[0].public_key();
    if (KtyName(cert_key.type()) != kty) {
      return Malformed("JWK: kty \"" + kty + "\" but x5c[0] holds an " + KtyName(cert_key.type()) +
                       " key");
    }
    // RFC 7517 4.7: the key in x5c[0] MUST match the JWK's key.
    if (key && !key->Equals(cert_key)) {
      return Malformed("JWK: the key in x5c[0] (" + chain[0].subject() +
                       ") does not match the JWK's own key members");
    }
  }
  if (j.contains("d") && !key) return Malformed("JWK: private key without public members");
  return Ok();
}

}  // namespace

Result<std::vector<x509::Certificate>> DecodeX5c(const Json& x5c) {
  if (!x5c.is_array() || x5c.empty()) {
    return Malformed("\"x5c\" must be a non-empty array of base64 DER certificates");
  }
  std::vector<x509::Certificate> chain;
  for (size_t i = 0; i < x5c.size(); ++i) {
    const Json& c = x5c[i];
    if (!c.is_string()) return Malformed("x5c[" + std::to_string(i) + "] is not a string");
    // Standard base64 (not base64url), padded.
    auto der = encoding::Base64DecodeStrict(
        c.get<std::string>(), encoding::Base64Alphabet::kStandard, encoding::Base64Padding::kWith);
    if (!der.ok()) return der.error().WithContext("x5c[" + std::to_string(i) + "]");
    auto cert = x509::CertificateFromDer(*der);
    if (!cert.ok()) return cert.error().WithContext("x5c[" + std::to_string(i) + "]");
    chain.push_back(*cert);
  }
  return chain;
}

Result<Bytes> DecodeJwkMember(const Json& j, std::string_view name) {
  auto it = j.find(name);
  if (it == j.end()) return Malformed("JWK: missing member \"" + std::string(name) + "\"");
  if (!it->is_string()) {
    return Malformed("JWK: member \"" + std::string(name) +
                     "\" must be a base64url string, found " + it->type_name());
  }
  auto b = encoding::Base64UrlDecode(it->get<std::string>());
  if (!b.ok()) return b.error().WithContext("JWK member \"" + std::string(name) + "\"");
  return b;
}

Result<Jwk> Jwk::Parse(const Json& j) {
  if (j.is_object() && j.empty()) return Malformed("JWK: empty object");
  SKR_RETURN_IF_ERROR(Validate(j));
  Jwk jwk(j);
  if (jwk.is_private() && jwk.kty() != "oct") {
    auto priv = jwk.ToPrivateKey();
    if (!priv.ok()) return priv.error();
  }
  return jwk;
}

Result<Jwk> Jwk::ParseText(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return Malformed("JWK: not valid JSON");
  return Parse(j);
}

Jwk Jwk::FromPublicKey(const crypto::PublicKey& key, const JwkEncodeOptions& opts) {
  Json j;
  if (key.type() == crypto::KeyType::kRsa) {
    crypto::RsaPublicComponents c = key.Rsa().value();
    Bytes e = StripLeadingZeros(c.e);
    if (opts.rsa_exponent_4_bytes && e.size() < 4) e.insert(e.begin(), 4 - e.size(), 0);
    j["kty"] = "RSA";
    j["n"] = encoding::Base64UrlEncode(StripLeadingZeros(c.n));
    j["e"] = encoding::Base64UrlEncode(e);
  } else {
    crypto::EcPublicComponents c = key.Ec().value();
    j["kty"] = "EC";
    j["crv"] = std::string(crypto::CurveName(c.curve));
    j["x"] = encoding::Base64UrlEncode(c.x);
    j["y"] = encoding::Base64UrlEncode(c.y);
  }
  return Jwk(std::move(j));
}

Result<Jwk> Jwk::FromPrivateKey(const crypto::PrivateKey& key, const JwkEncodeOptions& opts) {
  Jwk jwk = FromPublicKey(key.public_key(), opts);
  if (key.type() == crypto::KeyType::kRsa) {
    SKR_ASSIGN_OR_RETURN(crypto::RsaPrivateComponents c, crypto::RsaPrivateComponentsOf(key));
    const Bytes* parts[] = {&c.d, &c.p, &c.q, &c.dp, &c.dq, &c.qi};
    for (size_t i = 0; i < kRsaPrivate.size(); ++i) {
      jwk.json_[kRsaPrivate[i]] = encoding::Base64UrlEncode(StripLeadingZeros(*parts[i]));
    }
  } else {
    SKR_ASSIGN_OR_RETURN(Bytes d, crypto::EcPrivateScalarOf(key));
    jwk.json_["d"] = encoding::Base64UrlEncode(d);
  }
  return jwk;
}

std::string Jwk::kty() const { return json_.value("kty", ""); }

namespace {
std::optional<std::string> OptString(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}
}  // namespace

std::optional<std::string> Jwk::kid() const { return OptString(json_, "kid"); }
std::optional<std::string> Jwk::alg() const { return OptString(json_, "alg"); }
std::optional<std::string> Jwk::use() const { return OptString(json_, "use"); }

std::optional<std::vector<std::string>> Jwk::key_ops() const {
  auto it = json_.find("key_ops");
  if (it == json_.end()) return std::nullopt;
  std::vector<std::string> ops;
  for (const Json& op : *it) ops.push_back(op.get<std::string>());
  return ops;
}

Result<void> Jwk::SetMember(const std::string& name, Json value) {
  static const std::set<std::string> kMaterial = {"kty", "n",   "e",   "d", "p", "q", "dp", "dq",
                                                  "qi",  "oth", "crv", "x", "y", "k", "x5c"};
  if (kMaterial.count(name)) {
    return InvalidArgument("Jwk::SetMember: \"" + name + "\" is key material; build a new JWK");
  }
  Json copy = json_;
  copy[name] = std::move(value);
  SKR_RETURN_IF_ERROR(CheckMemberTypes(copy));
  json_ = std::move(copy);
  return Ok();
}

Jwk Jwk::PublicOnly() const {
  Json j = json_;
  for (const char* m : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) j.erase(m);
  return Jwk(std::move(j));
}

Result<crypto::PublicKey> Jwk::ToPublicKey() const {
  std::string t = kty();
  if (t != "RSA" && t != "EC") {
    return Unsupported("JWK: kty \"" + t + "\" has no asymmetric public key");
  }
  SKR_ASSIGN_OR_RETURN(std::optional<crypto::PublicKey> key, KeyFromMembers(json_, t));
  if (key) return *key;
  SKR_ASSIGN_OR_RETURN(std::vector<x509::Certificate> chain, ParseX5c(json_));
  return chain.at(0).public_key();  // Validate() guaranteed a non-empty x5c here
}

Result<crypto::PrivateKey> Jwk::ToPrivateKey() const {
  if (!is_private()) return InvalidArgument("JWK has no private member \"d\"");
  std::string t = kty();
  if (t == "RSA") {
    if (json_.contains("oth"))
      return Unsupported("JWK: multi-prime RSA (\"oth\") is not supported");
    crypto::RsaPrivateComponents c;
    SKR_ASSIGN_OR_RETURN(c.n, RsaModulus(json_));
    SKR_ASSIGN_OR_RETURN(c.e, RsaExponent(json_));
    Bytes* parts[] = {&c.d, &c.p, &c.q, &c.dp, &c.dq, &c.qi};
    for (size_t i = 0; i < kRsaPrivate.size(); ++i) {
      SKR_ASSIGN_OR_RETURN(*parts[i], DecodeJwkMember(json_, kRsaPrivate[i]));
    }
    auto key = crypto::RsaPrivateKeyFromComponents(c);
    if (!key.ok()) return key.error().WithContext("JWK RSA private key");
    return key;
  }
  if (t == "EC") {
    SKR_ASSIGN_OR_RETURN(crypto::Curve curve, EcCurve(json_));
    SKR_ASSIGN_OR_RETURN(Bytes d, EcMember(json_, "d", curve));
    auto key = crypto::EcPrivateKeyFromScalar(curve, d);
    if (!key.ok()) return key.error().WithContext("JWK EC private key");
    SKR_ASSIGN_OR_RETURN(crypto::PublicKey pub, EcFromMembers(json_));
    if (!key->public_key().Equals(pub)) {
      return Malformed("JWK: EC private scalar \"d\" does not belong to the public point x/y");
    }
    return key;
  }
  return Unsupported("JWK: kty \"" + t + "\" has no asymmetric private key");
}

Result<std::vector<x509::Certificate>> Jwk::CertificateChain() const { return ParseX5c(json_); }

Result<Jwks> Jwks::Parse(const Json& j) {
  if (!j.is_object()) return Malformed("JWKS: not a JSON object");
  auto it = j.find("keys");
  if (it == j.end() || !it->is_array()) return Malformed("JWKS: missing array member \"keys\"");
  Jwks set;
  for (size_t i = 0; i < it->size(); ++i) {
    auto key = Jwk::Parse((*it)[i]);
    if (!key.ok()) {
      if (key.error().code() == ErrorCode::kUnsupported) {
        ++set.skipped_;
        continue;
      }
      return key.error().WithContext("JWKS keys[" + std::to_string(i) + "]");
    }
    auto added = set.Add(*key);
    if (!added.ok()) return Malformed(added.error().message());
  }
  return set;
}

Result<Jwks> Jwks::ParseText(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return Malformed("JWKS: not valid JSON");
  return Parse(j);
}

Result<void> Jwks::Add(Jwk key) {
  if (auto kid = key.kid()) {
    // Duplicate kids make key selection ambiguous (Wycheproof "DuplicateKid").
    for (const Jwk& k : keys_) {
      if (k.kid() == kid) return InvalidArgument("JWKS: duplicate kid \"" + *kid + "\"");
    }
  }
  keys_.push_back(std::move(key));
  return Ok();
}

Result<Jwk> Jwks::FindByKid(std::string_view kid) const {
  std::string known;
  for (const Jwk& k : keys_) {
    auto id = k.kid();
    if (id && *id == kid) return k;
    known += (known.empty() ? "\"" : ", \"") + id.value_or("") + "\"";
  }
  return NotFound("JWKS: no key with kid \"" + std::string(kid) + "\" (have " +
                  (known.empty() ? "none" : known) + ")");
}

Json Jwks::ToJson() const {
  Json keys = Json::array();
  for (const Jwk& k : keys_) keys.push_back(k.json());
  return Json{{"keys", keys}};
}

}  // namespace skr::jose
