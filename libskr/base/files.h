// Reading and writing whole files, and where the shared reference material is.
#ifndef SKR_BASE_FILES_H_
#define SKR_BASE_FILES_H_

#include <filesystem>
#include <optional>
#include <string>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"

namespace skr {

Result<Bytes> ReadFileBytes(const std::filesystem::path& path);
Result<std::string> ReadFileText(const std::filesystem::path& path);
Result<void> WriteFileBytes(const std::filesystem::path& path, ByteView data);

// The folder with the read-only reference material (evidence-samples/, wycheproof/, reference/).
// One setting: the SKR_SHARED_DIR environment variable, else the build's default (../shared beside
// the source tree). Returns nullopt when the folder does not exist.
std::optional<std::filesystem::path> SharedDir();
// Text explaining how SharedDir() was resolved, for skip messages.
std::string SharedDirHelp();

}  // namespace skr

#endif  // SKR_BASE_FILES_H_
