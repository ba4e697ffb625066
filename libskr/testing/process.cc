#include "libskr/testing/process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

namespace skr::testing {
namespace fs = std::filesystem;

ShellResult RunShell(const std::string& cmd) {
  ShellResult out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.output.append(buf, n);
  int st = ::pclose(f);
  out.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

TempDir::TempDir(std::string_view prefix) {
  std::string t = (fs::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(t.data()) != nullptr) path_ = t;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

namespace {
// The text of /proc/<pid>/stat: "pid (comm) state ppid ...".
std::string ProcStat(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
}  // namespace

std::vector<int> SwtpmChildrenOf(int ppid) {
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = ProcStat(name);
    size_t close = stat.rfind(')');
    if (close == std::string::npos || stat.find("(swtpm)") == std::string::npos) continue;
    char state = 0;
    int parent = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &parent) != 2) continue;
    if (parent == ppid && state != 'Z') pids.push_back(std::stoi(name));
  }
  return pids;
}

bool ProcessAlive(int pid) {
  const std::string stat = ProcStat(std::to_string(pid));
  size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

}  // namespace skr::testing
