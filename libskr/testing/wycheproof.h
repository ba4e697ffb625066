// Loads a Project Wycheproof vector file from shared/wycheproof/.
#ifndef SKR_TESTING_WYCHEPROOF_H_
#define SKR_TESTING_WYCHEPROOF_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/testing/shared_samples.h"

namespace skr::testing {

// Parses shared/wycheproof/<file_name>; fails the test (returns null json) if it does not parse.
nlohmann::json LoadWycheproof(const std::filesystem::path& path);

// The hex string field `name` of a Wycheproof object (a test or a group), decoded; fails the test
// and returns empty bytes if the field is missing or not hex.
Bytes WycheproofHex(const nlohmann::json& obj, std::string_view name);

// "tcId 12 (comment) [Flag1 Flag2]" for failure messages.
std::string WycheproofCase(const nlohmann::json& test);

}  // namespace skr::testing

// In a TEST body: declares `var` as the parsed vector file, or skips the test saying why.
#define SKR_WYCHEPROOF_OR_SKIP(var, file_name)                                  \
  SKR_SHARED_FILE_OR_SKIP(var##_path_, std::string("wycheproof/") + file_name); \
  nlohmann::json var = ::skr::testing::LoadWycheproof(var##_path_);             \
  ASSERT_TRUE(var.is_object()) << "cannot parse " << var##_path_

#endif  // SKR_TESTING_WYCHEPROOF_H_
