#include <cctype>
#include <limits>

#include "libskr/encoding/encoding.h"
#include "libskr/jose/jws.h"
#include "mock-maa/evidence.h"

namespace skr::mock_maa {

using nlohmann::json;

const json* FindMember(const json& obj, std::string_view name) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(std::string(name)); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& k = it.key();
    if (k.size() != name.size()) continue;
    bool eq = true;
    for (size_t i = 0; i < k.size() && eq; ++i) {
      eq = std::tolower(static_cast<unsigned char>(k[i])) ==
           std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (eq) return &*it;
  }
  return nullptr;
}

Result<Bytes> DecodeBase64Member(const json& obj, std::string_view name, std::string_view context) {
  const json* m = FindMember(obj, name);
  std::string where = std::string(context) + "." + std::string(name);
  if (!m) return Malformed(where + " is missing");
  if (!m->is_string()) return Malformed(where + " must be a string, found " + m->type_name());
  auto b = encoding::Base64DecodeAny(m->get<std::string>());
  if (!b.ok()) {
    return Malformed(where + " is not base64/base64url: " + b.error().message());
  }
  return *b;
}

Result<std::optional<DataField>> ParseDataField(const json& req, std::string_view name) {
  const json* f = FindMember(req, name);
  if (!f || f->is_null()) return std::optional<DataField>();
  if (!f->is_object()) {
    return Malformed(std::string(name) + " must be an object {data, dataType}, found " +
                     f->type_name());
  }
  DataField out;
  SKR_ASSIGN_OR_RETURN(out.data, DecodeBase64Member(*f, "data", name));
  std::string type = "Binary";
  if (const json* t = FindMember(*f, "dataType"); t && !t->is_null()) {
    if (!t->is_string()) return Malformed(std::string(name) + ".dataType must be a string");
    type = t->get<std::string>();
  }
  std::string lower;
  for (char c : type)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "json") {
    out.is_json = true;
    out.parsed = json::parse(out.data.begin(), out.data.end(), nullptr, false);
    if (out.parsed.is_discarded() || !out.parsed.is_object()) {
      return Malformed(std::string(name) +
                       ".data is declared dataType JSON but is not a JSON object");
    }
  } else if (lower != "binary") {
    return Malformed(std::string(name) + ".dataType \"" + type +
                     "\" is not one of \"Binary\", \"JSON\"");
  }
  return std::optional<DataField>(std::move(out));
}

Result<std::optional<std::string>> ParseNonce(const json& req) {
  const json* n = FindMember(req, "nonce");
  if (!n || n->is_null()) return std::optional<std::string>();
  if (n->is_string()) return std::optional<std::string>(n->get<std::string>());
  if (n->is_number_unsigned() || n->is_number_integer()) {
    return std::optional<std::string>(n->dump());
  }
  return Malformed(std::string("nonce must be a string or an unsigned integer, found ") +
                   n->type_name());
}

Result<std::string> PolicyTextFromBody(std::string_view body) {
  std::string_view trimmed = body;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
    trimmed.remove_suffix(1);
  }
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
    trimmed.remove_prefix(1);
  }
  // A JWS is three base64url segments; policy text always contains '=' or ';' or spaces.
  bool jws_like = !trimmed.empty();
  int dots = 0;
  for (char c : trimmed) {
    if (c == '.') {
      ++dots;
    } else if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) {
      jws_like = false;
    }
  }
  if (!jws_like || dots != 2) return std::string(body);
  // The policy JWT: the payload is read, the signature is not checked (the mock runs as an
  // AAD-mode instance, where signed policies are optional; README).
  size_t a = trimmed.find('.'), b = trimmed.find('.', a + 1);
  auto payload = encoding::Base64UrlDecode(trimmed.substr(a + 1, b - a - 1));
  if (!payload.ok()) return Malformed("policy JWT payload: " + payload.error().message());
  json j = json::parse(payload->begin(), payload->end(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Malformed("policy JWT payload is not a JSON object");
  const json* p = FindMember(j, "AttestationPolicy");
  if (!p) return Malformed("policy JWT payload has no \"AttestationPolicy\"");
  if (!p->is_string()) return Malformed("\"AttestationPolicy\" must be a base64url string");
  auto text = encoding::Base64DecodeAny(p->get<std::string>());
  if (!text.ok()) return Malformed("\"AttestationPolicy\": " + text.error().message());
  return AsString(*text);
}

}  // namespace skr::mock_maa
