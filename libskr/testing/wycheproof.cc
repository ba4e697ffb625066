#include "libskr/testing/wycheproof.h"

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

}  // namespace skr::testing
