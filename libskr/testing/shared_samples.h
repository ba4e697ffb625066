// Test access to ../shared (evidence samples, Wycheproof vectors) with a clear skip when absent.
#ifndef SKR_TESTING_SHARED_SAMPLES_H_
#define SKR_TESTING_SHARED_SAMPLES_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "libskr/base/bytes.h"

namespace skr::testing {

// Path of `relative` (e.g. "evidence-samples/trustee/snp/test-report.bin") under the shared folder,
// or nullopt when the shared folder or the file is missing.
std::optional<std::filesystem::path> SharedFile(const std::string& relative);
// Why SharedFile() returned nullopt, for GTEST_SKIP messages.
std::string MissingSharedFileMessage(const std::string& relative);

Bytes ReadBytesOrDie(const std::filesystem::path& path);
std::string ReadTextOrDie(const std::filesystem::path& path);

}  // namespace skr::testing

// In a TEST body: declares `var` as the path of the shared file, or skips the test saying why.
#define SKR_SHARED_FILE_OR_SKIP(var, relative)                                       \
  std::filesystem::path var;                                                         \
  do {                                                                               \
    auto skr_p_ = ::skr::testing::SharedFile(relative);                              \
    if (!skr_p_) GTEST_SKIP() << ::skr::testing::MissingSharedFileMessage(relative); \
    var = *skr_p_;                                                                   \
  } while (0)

#endif  // SKR_TESTING_SHARED_SAMPLES_H_
