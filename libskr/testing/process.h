// Test support for suites that run commands (tpm2-tools, openssl, the project's binaries) and
// check for leftover swtpm processes.
#ifndef SKR_TESTING_PROCESS_H_
#define SKR_TESTING_PROCESS_H_

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace skr::testing {

struct ShellResult {
  int status = -1;  // exit status; -1 if the command could not run or was killed
  std::string output;
};

// Runs `cmd` with /bin/sh and captures its stdout (append "2>&1" to capture stderr too).
ShellResult RunShell(const std::string& cmd);

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "skr-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& file) const { return (path_ / file).string(); }

 private:
  std::filesystem::path path_;
};

// Live (not zombie) swtpm processes whose parent is `ppid`, from /proc.
std::vector<int> SwtpmChildrenOf(int ppid);
// Whether `pid` exists and is not a zombie.
bool ProcessAlive(int pid);

}  // namespace skr::testing

#endif  // SKR_TESTING_PROCESS_H_
