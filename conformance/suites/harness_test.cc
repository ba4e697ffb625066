// The harness as users run it: `skr-harness serve` as a subprocess driven only through what it
// prints, with the `skr` CLI releasing a key; the client when the vTPM goes away mid-flow; and
// `skr-harness conformance` (emulated and live) judged by its exit status, summary and JUnit XML.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "conformance/harness/stack.h"
#include "libskr/base/files.h"
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

namespace skr::harness {
namespace {

// A small XML well-formedness check (no DTDs, which JUnit files do not have): every tag closes in
// order, attribute values are quoted, '<' and '&' appear only as markup or entity references.
// Returns the count of each element name, or an error description in `error`.
std::map<std::string, int> XmlElements(const std::string& x, std::string* error) {
  std::map<std::string, int> count;
  std::vector<std::string> open;
  size_t i = 0;
  auto fail = [&](const std::string& what) {
    *error = what + " at offset " + std::to_string(i);
    return count;
  };
  if (x.rfind("<?xml ", 0) == 0) i = x.find("?>") + 2;
  while (i < x.size()) {
    if (x[i] == '&') {
      size_t semi = x.find(';', i);
      std::string ent = x.substr(i, semi == std::string::npos ? 0 : semi - i + 1);
      if (ent != "&amp;" && ent != "&lt;" && ent != "&gt;" && ent != "&quot;" && ent != "&apos;" &&
          ent.rfind("&#", 0) != 0) {
        return fail("bad entity");
      }
      i = semi + 1;
      continue;
    }
    if (x[i] != '<') {
      ++i;
      continue;
    }
    const bool closing = i + 1 < x.size() && x[i + 1] == '/';
    size_t j = i + (closing ? 2 : 1);
    size_t name_end = x.find_first_of(" />\n", j);
    if (name_end == std::string::npos) return fail("unterminated tag");
    const std::string name = x.substr(j, name_end - j);
    if (name.empty()) return fail("empty tag name");
    j = name_end;
    // Attributes: name="value" with no '<' inside the value.
    while (j < x.size() && x[j] != '>' && !(x[j] == '/' && x[j + 1] == '>')) {
      if (x[j] == '"') {
        size_t q = x.find('"', j + 1);
        if (q == std::string::npos) return fail("unterminated attribute");
        if (x.substr(j, q - j).find('<') != std::string::npos) return fail("'<' in attribute");
        j = q + 1;
      } else {
        ++j;
      }
    }
    if (j >= x.size()) return fail("unterminated tag");
    const bool self_closing = x[j] == '/';
    if (closing) {
      if (open.empty() || open.back() != name) return fail("</" + name + "> closes nothing");
      open.pop_back();
    } else {
      ++count[name];
      if (!self_closing) open.push_back(name);
    }
    i = j + (self_closing ? 2 : 1);
  }
  if (!open.empty()) *error = "<" + open.back() + "> not closed";
  return count;
}

int Attr(const std::string& x, const std::string& name) {
  size_t at = x.find(" " + name + "=\"");
  return at == std::string::npos ? -1 : std::stoi(x.substr(at + name.size() + 3));
}

TEST(HarnessConformance, EmulatedRunPassesAndWritesJUnit) {
  ::skr::testing::TempDir dir("skr-conformance-test");
  const std::string junit = dir / "junit.xml";
  int status = -1;
  std::string out = RunShell(kBin + "skr-harness conformance --seed 4 --junit " + junit, &status);
  ASSERT_EQ(status, 0) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      out, m, std::regex(R"((\d+) checks: (\d+) passed, 0 failed, (\d+) skipped)")))
      << out;
  const int total = std::stoi(m[1]), passed = std::stoi(m[2]), skipped = std::stoi(m[3]);
  EXPECT_GE(total, 60 + 10);
  EXPECT_EQ(skipped, 1) << "only the live-only AzureGuest check skips: " << out;
  EXPECT_EQ(passed + skipped, total);
  EXPECT_EQ(out.find("FAIL "), std::string::npos) << out;

  auto xml = ReadFileText(junit);
  ASSERT_TRUE(xml.ok()) << xml.error().ToString();
  std::string error;
  auto elements = XmlElements(*xml, &error);
  ASSERT_TRUE(error.empty()) << error << "\n" << *xml;
  EXPECT_EQ(elements["testsuites"], 1);
  EXPECT_EQ(elements["testsuite"], 1);
  EXPECT_EQ(elements["testcase"], total);
  EXPECT_EQ(elements["skipped"], skipped);
  EXPECT_EQ(elements.count("failure"), 0u);
  EXPECT_EQ(Attr(*xml, "tests"), total);
  EXPECT_EQ(Attr(*xml, "failures"), 0);
  EXPECT_EQ(Attr(*xml, "skipped"), skipped);
  EXPECT_NE(xml->find(R"(classname="evidence" name="evidence.snp.flipped-signature-r")"),
            std::string::npos);
}

TEST(HarnessConformance, FailingCheckGivesExitOneAndAJUnitFailure) {
  // An unknown filter runs nothing: that is not a failure...
  int status = -1;
  std::string out = RunShell(kBin + "skr-harness conformance --live --filter 'no.such.*'", &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("0 checks: 0 passed, 0 failed, 0 skipped"), std::string::npos) << out;
  // ...an endpoint that refuses connections is: live MAA checks fail with exit 1.
  ::skr::testing::TempDir dir("skr-conformance-test");
  const std::string junit = dir / "junit.xml";
  out = RunShell("env -i PATH=/usr/bin:/bin " + kBin +
                     "skr-harness conformance --live --maa-url https://127.0.0.1:1 "
                     "--filter 'maa.request.malformed-json' --junit " +
                     junit,
                 &status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("FAIL  maa.request.malformed-json"), std::string::npos) << out;
  auto xml = ReadFileText(junit);
  ASSERT_TRUE(xml.ok());
  std::string error;
  auto elements = XmlElements(*xml, &error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(elements["failure"], 1);
  EXPECT_EQ(Attr(*xml, "failures"), 1);
}

TEST(HarnessConformance, LiveWithNothingConfiguredSkipsEverythingWithTheVariablesToSet) {
  ::skr::testing::TempDir dir("skr-conformance-test");
  const std::string junit = dir / "junit.xml";
  int status = -1;
  std::string out = RunShell(
      "env -i PATH=/usr/bin:/bin " + kBin + "skr-harness conformance --live --junit " + junit,
      &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("live mode: nothing configured"), std::string::npos) << out;
  for (const char* var : {"SKR_MAA_URL", "SKR_VAULT_URL", "SKR_KV_BEARER_TOKEN", "SKR_TCTI"}) {
    EXPECT_NE(out.find(var), std::string::npos) << var;
  }
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"((\d+) checks: 0 passed, 0 failed, (\d+))")))
      << out;
  EXPECT_EQ(m[1], m[2]);
  EXPECT_EQ(out.find("PASS "), std::string::npos);
  auto xml = ReadFileText(junit);
  ASSERT_TRUE(xml.ok());
  std::string error;
  auto elements = XmlElements(*xml, &error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(elements["skipped"], elements["testcase"]);
  EXPECT_EQ(Attr(*xml, "skipped"), Attr(*xml, "tests"));
}

TEST(HarnessConformance, JsonOutputAndEndpointFlagsNeedLive) {
  int status = -1;
  std::string out = RunShell(
      "env -i PATH=/usr/bin:/bin " + kBin + "skr-harness conformance --live --json", &status);
  EXPECT_EQ(status, 0) << out;
  json j = json::parse(out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << out;
  EXPECT_EQ(j["mode"], "live");
  EXPECT_EQ(j["failed"], 0);
  EXPECT_EQ(j["passed"], 0);
  EXPECT_EQ(j["skipped"], j["checks"].size());
  EXPECT_GE(j["checks"].size(), 70u);
  for (const json& c : j["checks"]) {
    EXPECT_EQ(c["status"], "skip") << c.dump();
    EXPECT_FALSE(c["message"].get<std::string>().empty()) << c.dump();
  }
  out = RunShell(kBin + "skr-harness conformance --maa-url https://127.0.0.1:1", &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("need --live"), std::string::npos) << out;
}

// Live mode pointed at the emulated services as if they were real ones: what live mode sends
// (read-only TPM checks, AzureGuest attestation, requests that create nothing) passes, the rest
// skips, and nothing needs the harness's in-process access.
TEST(HarnessConformance, LiveModeAgainstServicesGivenOnlyByEnvironment) {
  StackOptions so;
  so.seed = 13;
  emulator::cvm::CvmOptions cvm;
  cvm.kind = emulator::cvm::CvmKind::kSnpMilan;
  so.cvms = {cvm};
  auto stack = EmulatedStack::Start(std::move(so));
  ASSERT_TRUE(stack.ok()) << stack.error().ToString();
  EmulatedStack& s = **stack;
  ::skr::testing::TempDir dir("skr-conformance-test");
  const std::string ca = dir / "ca.pem";
  ASSERT_TRUE(WriteFileBytes(ca, AsBytes(s.ca_bundle_pem())).ok());
  auto bearer = s.OperatorToken();
  ASSERT_TRUE(bearer.ok());
  int status = -1;
  std::string out =
      RunShell("env -i PATH=/usr/bin:/bin SKR_MAA_URL=" + s.maa().url() +
                   " SKR_VAULT_URL=" + s.vault().url() + " SKR_KV_BEARER_TOKEN=" + *bearer +
                   " SKR_TCTI='" + s.cvm(0).tcti() + "' SKR_IMDS_URL=" + s.cvm(0).imds_url() +
                   " SKR_CA_BUNDLE=" + ca + " " + kBin + "skr-harness conformance --live",
               &status);
  EXPECT_EQ(status, 0) << out;
  for (const char* id :
       {"client.tpm.hcl-report", "client.tpm.ak-certificate", "maa.metadata.openid-configuration",
        "client.attest.azure-guest-live", "maa.request.oversized", "keyvault.bearer.missing",
        "keyvault.bearer.untrusted-tenant", "keyvault.key.unknown",
        "keyvault.request.malformed-json"}) {
    EXPECT_NE(out.find(std::string("PASS  ") + id), std::string::npos) << id << "\n" << out;
  }
  EXPECT_NE(out.find("SKIP  evidence.snp.flipped-policy"), std::string::npos) << out;
  EXPECT_EQ(out.find("FAIL "), std::string::npos) << out;
}

}  // namespace
}  // namespace skr::harness
