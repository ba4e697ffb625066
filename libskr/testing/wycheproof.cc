#include "libskr/testing/wycheproof.h"

#include "libskr/encoding/encoding.h"

namespace skr::testing {

nlohmann::json LoadWycheproof(const std::filesystem::path& path) {
  std::string text = ReadTextOrDie(path);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    ADD_FAILURE() << "Wycheproof file " << path << " is not valid JSON";
    return nlohmann::json();
  }
  return j;
}

Bytes WycheproofHex(const nlohmann::json& obj, std::string_view name) {
  auto it = obj.find(std::string(name));
  if (it == obj.end() || !it->is_string()) {
    ADD_FAILURE() << "Wycheproof object has no string field '" << name << "'";
    return {};
  }
  auto bytes = encoding::HexDecode(it->get<std::string>());
  if (!bytes.ok()) {
    ADD_FAILURE() << "Wycheproof field '" << name << "': " << bytes.error().ToString();
    return {};
  }
  return *std::move(bytes);
}

std::string WycheproofCase(const nlohmann::json& test) {
  std::string out = "tcId " + std::to_string(test.value("tcId", -1)) + " (" +
                    test.value("comment", std::string()) + ") [";
  if (auto flags = test.find("flags"); flags != test.end() && flags->is_array()) {
    for (const auto& f : *flags) {
      if (out.back() != '[') out += ' ';
      if (f.is_string()) out += f.get<std::string>();
    }
  }
  return out + "]";
}

}  // namespace skr::testing
