// Loads a Project Wycheproof vector file from shared/wycheproof/.
#ifndef SKR_TESTING_WYCHEPROOF_H_
#define SKR_TESTING_WYCHEPROOF_H_

#include <nlohmann/json.hpp>
#include <string>

#include "libskr/testing/shared_samples.h"

namespace skr::testing {

// Parses shared/wycheproof/<file_name>; fails the test (returns null json) if it does not parse.
nlohmann::json LoadWycheproof(const std::filesystem::path& path);

}  // namespace skr::testing

// In a TEST body: declares `var` as the parsed vector file, or skips the test saying why.
#define SKR_WYCHEPROOF_OR_SKIP(var, file_name)                                  \
  SKR_SHARED_FILE_OR_SKIP(var##_path_, std::string("wycheproof/") + file_name); \
  nlohmann::json var = ::skr::testing::LoadWycheproof(var##_path_);             \
  ASSERT_TRUE(var.is_object()) << "cannot parse " << var##_path_

#endif  // SKR_TESTING_WYCHEPROOF_H_
