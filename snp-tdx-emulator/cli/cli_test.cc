// The snp-tdx-emulator binary end to end: one-shot subcommands (determinism, openssl verify of the
// exported chains) and the long-running `cvm` (listening line, tpm2-tools against its TCTI, clean
// stop on SIGTERM with no swtpm left).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "libskr/base/files.h"
#include "libskr/testing/process.h"
#include "libskr/x509/certificate.h"

namespace {

namespace fs = std::filesystem;
using namespace skr;  // NOLINT

std::string Binary() {
  return (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "bin" /
          "snp-tdx-emulator")
      .string();
}

using RunResult = ::skr::testing::ShellResult;
using ::skr::testing::SwtpmChildrenOf;

RunResult Shell(const std::string& cmd) { return ::skr::testing::RunShell(cmd); }
bool Alive(int pid) { return ::skr::testing::ProcessAlive(pid); }

using TempDir = ::skr::testing::TempDir;

TEST(EmulatorCli, ExportedChainsVerifyWithOpensslAndDependOnlyOnTheSeed) {
  TempDir tmp;
  for (const std::string& vendor : {std::string("amd"), std::string("intel")}) {
    SCOPED_TRACE(vendor);
    RunResult a = Shell(Binary() + " export-chain --vendor " + vendor + " --seed 42");
    ASSERT_EQ(a.status, 0) << a.output;
    RunResult b = Shell(Binary() + " export-chain --vendor " + vendor + " --seed 42");
    EXPECT_EQ(a.output, b.output) << "same seed, same chain";
    RunResult c = Shell(Binary() + " export-chain --vendor " + vendor + " --seed 43");
    EXPECT_NE(a.output, c.output);
    auto certs = x509::CertificatesFromPem(a.output);
    ASSERT_TRUE(certs.ok()) << certs.error().ToString();
    ASSERT_EQ(certs->size(), 3u) << "leaf, intermediate, root";
    ASSERT_TRUE(WriteFileBytes(tmp / "leaf.pem", AsBytes((*certs)[0].ToPem())).ok());
    ASSERT_TRUE(WriteFileBytes(tmp / "ca.pem", AsBytes((*certs)[1].ToPem())).ok());
    ASSERT_TRUE(WriteFileBytes(tmp / "root.pem", AsBytes((*certs)[2].ToPem())).ok());
    const std::string at = " -attime 1795000000 ";
    RunResult ok = Shell("openssl verify" + at + "-CAfile " + tmp / "root.pem" + " -untrusted " +
                         tmp / "ca.pem " + tmp / "leaf.pem 2>&1");
    EXPECT_EQ(ok.status, 0) << ok.output;
    RunResult swapped = Shell("openssl verify" + at + "-CAfile " + tmp / "ca.pem" + " -untrusted " +
                              tmp / "root.pem " + tmp / "leaf.pem 2>&1");
    EXPECT_NE(swapped.status, 0) << swapped.output;
  }
  RunResult thim = Shell(Binary() + " export-chain --vendor amd --product genoa --format thim");
  ASSERT_EQ(thim.status, 0);
  EXPECT_EQ(thim.output.rfind("{\"vcekCert\":\"-----BEGIN CERTIFICATE-----", 0), 0u) << thim.output;
}

TEST(EmulatorCli, OneShotReportsHaveTheirSizes) {
  TempDir tmp;
  struct Case {
    std::string args;
    size_t size;
  };
  for (const Case& c : {Case{"snp-report --product turin --report-data 0102", 1184},
                        Case{"td-report --report-data ff", 1024},
                        Case{"hcl-report --type snp --user-data 00", 2600},
                        Case{"hcl-report --type tdx --product genoa", 2600}}) {
    SCOPED_TRACE(c.args);
    RunResult r = Shell(Binary() + " " + c.args + " --seed 9 --out " + tmp / "x.bin" + " 2>&1");
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(ReadFileBytes(tmp / "x.bin").value().size(), c.size);
  }
  RunResult quote = Shell(Binary() + " td-quote --seed 9 --format json");
  ASSERT_EQ(quote.status, 0);
  EXPECT_EQ(quote.output.rfind("{\"quote\":\"", 0), 0u);
  // Bad input: a message and a non-zero status.
  for (const std::string& bad : std::vector<std::string>{
           "snp-report --product sapphire", "td-report --report-data xyz",
           "td-report --report-data " + std::string(130, 'a'), "export-chain --vendor arm",
           "export-chain --vendor intel --format thim", "frobnicate", "--seed nope td-report"}) {
    SCOPED_TRACE(bad);
    RunResult r = Shell(Binary() + " " + bad + " 2>&1");
    EXPECT_NE(r.status, 0) << r.output;
    EXPECT_FALSE(r.output.empty());
  }
}

TEST(EmulatorCli, CvmServesUntilSigtermAndLeavesNoSwtpm) {
  TempDir tmp;
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    const std::string bin = Binary(), dir = tmp / "out";
    ::execl(bin.c_str(), bin.c_str(), "cvm", "--type", "snp", "--product", "milan", "--seed", "3",
            "--now", "2026-11-18T00:00:00Z", "--listen", "127.0.0.1:0", "--out-dir", dir.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  FILE* f = ::fdopen(out[0], "r");
  std::vector<std::string> lines;
  char line[1024];
  while (lines.size() < 13 && std::fgets(line, sizeof(line), f) != nullptr) {
    std::string l(line);
    if (!l.empty() && l.back() == '\n') l.pop_back();
    lines.push_back(l);
  }
  ASSERT_GE(lines.size(), 13u);
  EXPECT_EQ(lines[0].rfind("listening on http://127.0.0.1:", 0), 0u) << lines[0];
  std::map<std::string, std::string> kv;
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t sp = lines[i].find(' ');
    kv[lines[i].substr(0, sp)] = lines[i].substr(sp + 1);
  }
  EXPECT_EQ(kv["kind"], "snp-milan");
  EXPECT_EQ(kv["imds"], lines[0].substr(13));
  ASSERT_EQ(kv["tcti"].rfind("swtpm:host=127.0.0.1,port=", 0), 0u);
  EXPECT_EQ(kv["entra-issuer"], "https://sts.windows.net/" + kv["entra-tenant"] + "/");
  auto jwks = ReadFileText(kv["entra-jwks-file"]);
  ASSERT_TRUE(jwks.ok());
  EXPECT_NE(jwks->find("\"kty\":\"RSA\""), std::string::npos) << *jwks;
  for (const char* k : {"platform-root", "platform-chain", "vtpm-ca", "ak-cert"}) {
    EXPECT_TRUE(fs::exists(kv[k])) << k;
  }
  // The ARK written out is the one the chain verifies to; the vTPM CA verifies the AK cert.
  EXPECT_EQ(Shell("openssl verify -attime 1795000000 -CAfile " + kv["vtpm-ca"] + " " +
                  kv["ak-cert"] + " 2>&1")
                .status,
            0);
  const std::string tools = "TPM2TOOLS_TCTI='" + kv["tcti"] + "' ";
  ASSERT_TRUE(WriteFileBytes(tmp / "ud.bin", Bytes(64, 0x5C)).ok());
  RunResult w = Shell(tools + "tpm2_nvwrite -C o -i " + tmp / "ud.bin" + " 0x01400002 2>&1");
  EXPECT_EQ(w.status, 0) << w.output;
  RunResult r = Shell(tools + "tpm2_nvread -C o 0x01400001 -o " + tmp / "hcl.bin" + " 2>&1");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(ReadFileBytes(tmp / "hcl.bin").value().size(), 2600u);

  std::vector<int> swtpm = SwtpmChildrenOf(pid);
  EXPECT_EQ(swtpm.size(), 1u);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  std::fclose(f);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  for (int s : swtpm) {
    // Reparented to init and reaped, or already gone: give init a moment.
    for (int i = 0; i < 50 && Alive(s); ++i) ::usleep(20000);
    EXPECT_FALSE(Alive(s)) << "swtpm " << s << " survived the CLI";
  }
}

}  // namespace
