#include "libskr/testing/shared_samples.h"

#include <cstdlib>

#include "libskr/base/files.h"

namespace skr::testing {

std::optional<std::filesystem::path> SharedFile(const std::string& relative) {
  auto dir = SharedDir();
  if (!dir) return std::nullopt;
  std::filesystem::path p = *dir / relative;
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) return std::nullopt;
  return p;
}

std::string MissingSharedFileMessage(const std::string& relative) {
  auto dir = SharedDir();
  if (!dir) return SharedDirHelp();
  return "shared file " + (*dir / relative).string() +
         " not found (SKR_SHARED_DIR=" + dir->string() + ")";
}

Bytes ReadBytesOrDie(const std::filesystem::path& path) {
  auto r = ReadFileBytes(path);
  if (!r.ok()) {
    ADD_FAILURE() << r.error().ToString();
    return {};
  }
  return *r;
}

std::string ReadTextOrDie(const std::filesystem::path& path) {
  return AsString(ReadBytesOrDie(path));
}

}  // namespace skr::testing
