#include "libskr/base/files.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#ifndef SKR_DEFAULT_SHARED_DIR
#define SKR_DEFAULT_SHARED_DIR "../shared"
#endif

namespace skr {

Result<Bytes> ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Unavailable("cannot open " + path.string() + ": " + std::strerror(errno));
  }
  Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Unavailable("error reading " + path.string());
  return data;
}

Result<std::string> ReadFileText(const std::filesystem::path& path) {
  SKR_ASSIGN_OR_RETURN(Bytes b, ReadFileBytes(path));
  return AsString(b);
}

Result<void> WriteFileBytes(const std::filesystem::path& path, ByteView data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Unavailable("cannot create " + path.string() + ": " + std::strerror(errno));
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) return Unavailable("error writing " + path.string());
  return Ok();
}

namespace {
std::filesystem::path ConfiguredSharedDir() {
  const char* env = std::getenv("SKR_SHARED_DIR");
  return (env && *env) ? std::filesystem::path(env) : std::filesystem::path(SKR_DEFAULT_SHARED_DIR);
}
}  // namespace

std::optional<std::filesystem::path> SharedDir() {
  std::filesystem::path p = ConfiguredSharedDir();
  std::error_code ec;
  if (!std::filesystem::is_directory(p, ec)) return std::nullopt;
  return std::filesystem::weakly_canonical(p, ec);
}

std::string SharedDirHelp() {
  return "shared reference folder '" + ConfiguredSharedDir().string() +
         "' not found; set SKR_SHARED_DIR to the folder holding evidence-samples/ and wycheproof/";
}

}  // namespace skr
