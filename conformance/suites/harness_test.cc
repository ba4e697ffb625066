// The harness as users run it: `skr-harness serve` as a subprocess driven only through what it
// prints, with the `skr` CLI releasing a key; and the client when the vTPM goes away mid-flow.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "conformance/harness/stack.h"
#include "libskr/testing/process.h"

namespace skr::harness {
namespace {

using nlohmann::json;

const std::string kBin = SKR_BINARY_DIR "/bin/";

// A child process with its stdout readable line by line.
struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;
  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (out) std::fclose(out);
  }
};

bool Spawn(const std::vector<std::string>& argv, Child& child) {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  child.pid = ::fork();
  if (child.pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  child.out = ::fdopen(fds[0], "r");
  return child.pid > 0 && child.out != nullptr;
}

std::string RunShell(const std::string& cmd, int* status) {
  ::skr::testing::ShellResult r = ::skr::testing::RunShell(cmd + " 2>&1");
  *status = r.status;
  return r.output;
}

TEST(Harness, ServeWorksWithAnExternalClientUsingOnlyThePrintedEnvironment) {
  char dir[] = "/tmp/skr-serve-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  Child serve;
  // --out-dir need not exist yet.
  const std::string out_dir = std::string(dir) + "/out";
  ASSERT_TRUE(
      Spawn({kBin + "skr-harness", "serve", "--json", "--seed", "5", "--out-dir", out_dir}, serve));
  char line[8192];
  ASSERT_NE(std::fgets(line, sizeof(line), serve.out), nullptr) << "serve printed nothing";
  json env = json::parse(line, nullptr, false);
  ASSERT_TRUE(env.is_object()) << line;
  for (const char* k : {"maa_url", "vault_url", "imds_url", "tcti", "ca_bundle", "key_id"}) {
    ASSERT_TRUE(env.contains(k)) << k;
  }
  const std::string common = "SKR_TCTI='" + env["tcti"].get<std::string>() +
                             "' SKR_IMDS_URL=" + env["imds_url"].get<std::string>() +
                             " SKR_MAA_URL=" + env["maa_url"].get<std::string>() +
                             " SKR_CA_BUNDLE=" + env["ca_bundle"].get<std::string>() + " ";
  int status = -1;
  std::string out = RunShell(
      common + kBin + "skr release --key-id " + env["key_id"].get<std::string>() + " --format pem",
      &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("-----BEGIN PRIVATE KEY-----"), std::string::npos) << out;
  // The same CLI, refused: a key that does not exist is the vault's 404, exit code 5.
  std::string missing = env["vault_url"].get<std::string>() + "/keys/no-such-key";
  out = RunShell(common + kBin + "skr release --json --key-id " + missing, &status);
  EXPECT_EQ(status, 5) << out;
  EXPECT_NE(out.find("KeyNotFound"), std::string::npos) << out;

  ASSERT_EQ(::kill(serve.pid, SIGTERM), 0);
  int st = 0;
  ASSERT_EQ(::waitpid(serve.pid, &st, 0), serve.pid);
  serve.pid = -1;
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  std::filesystem::remove_all(dir);
}

TEST(Harness, VtpmThatDisappearsMidFlowGivesAClearErrorNotAHang) {
  StackOptions so;
  so.seed = 9;
  emulator::cvm::CvmOptions cvm;
  cvm.kind = emulator::cvm::CvmKind::kSnpMilan;
  so.cvms = {cvm};
  auto stack = EmulatedStack::Start(std::move(so));
  ASSERT_TRUE(stack.ok()) << stack.error().ToString();
  auto client = client::SkrClient::Create((*stack)->ClientOptions((*stack)->cvm(0)));
  ASSERT_TRUE(client.ok());
  (*stack)->cvm(0).vtpm().Stop();
  const auto start = std::chrono::steady_clock::now();
  auto a = (*client)->Attest({});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code(), ErrorCode::kUnavailable) << a.error().ToString();
  EXPECT_NE(a.error().message().find("NV 0x01400001"), std::string::npos) << a.error().ToString();
  EXPECT_LT(took, std::chrono::seconds(30));
}

}  // namespace
}  // namespace skr::harness
