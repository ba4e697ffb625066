// End-to-end tests of the emulated Azure vTPM with standard clients: tpm2-tools subprocesses and
// the ESAPI device wrapper, both through the paravisor's swtpm TCTI.
#include <dirent.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "libskr/base/files.h"
#include "libskr/crypto/keys.h"
#include "libskr/crypto/signature.h"
#include "libskr/testing/process.h"
#include "libskr/tpm/device.h"
#include "snp-tdx-emulator/vtpm/azure_vtpm.h"
#include "snp-tdx-emulator/vtpm/net.h"

namespace skr::emulator::vtpm {
namespace {

namespace fs = std::filesystem;

// A deterministic 2600-byte stand-in for the HCL report that embeds the user data, so the tests
// can tell which user data a report was made for.
Bytes TestReport(ByteView user_data) {
  Bytes r(kHclReportIndexSize);
  const char magic[4] = {'T', 'E', 'S', 'T'};
  std::copy(magic, magic + 4, r.begin());
  std::copy(user_data.begin(), user_data.end(), r.begin() + 0x20);
  for (size_t i = 0x20 + user_data.size(); i < r.size(); ++i) {
    r[i] = static_cast<uint8_t>(i * 31 + user_data[i % user_data.size()]);
  }
  return r;
}

ReportProviderFactory TestFactory() {
  return
      [](const VtpmKeys&) { return [](ByteView ud) -> Result<Bytes> { return TestReport(ud); }; };
}

Bytes UserData(uint8_t seed) {
  Bytes d(64);
  for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>(seed + i * 7);
  return d;
}

using RunResult = ::skr::testing::ShellResult;
using TempDir = ::skr::testing::TempDir;

// Runs a shell command with TPM2TOOLS_TCTI set, capturing stdout+stderr.
RunResult RunTool(const std::string& tcti, const std::string& cmd) {
  return ::skr::testing::RunShell("TPM2TOOLS_TCTI='" + tcti + "' " + cmd + " 2>&1");
}

// Pids of running swtpm processes whose command line mentions `needle` (e.g. our state dir).
std::vector<int> SwtpmPidsWith(const std::string& needle) {
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A zombie or exiting process has an empty cmdline.
    if (cmdline.find("swtpm") != std::string::npos && cmdline.find(needle) != std::string::npos) {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

std::unique_ptr<AzureVtpm> StartVtpm(Bytes ak_cert = {}) {
  AzureVtpm::Options o;
  o.report_provider_factory = TestFactory();
  o.ak_cert = std::move(ak_cert);
  auto v = AzureVtpm::Start(std::move(o));
  EXPECT_TRUE(v.ok()) << v.error().ToString();
  return v.ok() ? std::move(*v) : nullptr;
}

TEST(AzureVtpmTools, NvWriteUserDataThenNvReadReturnsFreshReport) {
  auto v = StartVtpm();
  ASSERT_NE(v, nullptr);
  TempDir tmp;
  // The boot report is made for all-zero user data.
  RunResult boot = RunTool(v->tcti(), "tpm2_nvread -C o 0x01400001 -o " + tmp / "boot.bin");
  ASSERT_EQ(boot.status, 0) << boot.output;
  EXPECT_EQ(ReadFileBytes(tmp / "boot.bin").value(), TestReport(Bytes(64, 0)));

  const Bytes ud = UserData(0x41);
  ASSERT_TRUE(WriteFileBytes(tmp / "ud.bin", ud).ok());
  RunResult w = RunTool(v->tcti(), "tpm2_nvwrite -C o -i " + tmp / "ud.bin" + " 0x01400002");
  ASSERT_EQ(w.status, 0) << w.output;
  RunResult r = RunTool(v->tcti(), "tpm2_nvread -C o 0x01400001 -o " + tmp / "report.bin");
  ASSERT_EQ(r.status, 0) << r.output;
  auto report = ReadFileBytes(tmp / "report.bin");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->size(), 2600u);
  EXPECT_EQ(*report, TestReport(ud));
  EXPECT_EQ(v->paravisor().reports_generated(), 2u);

  // The user data index reads back what was written.
  RunResult rud = RunTool(v->tcti(), "tpm2_nvread -C o 0x01400002 -o " + tmp / "ud_back.bin");
  ASSERT_EQ(rud.status, 0) << rud.output;
  EXPECT_EQ(ReadFileBytes(tmp / "ud_back.bin").value(), ud);

  // Offset/size reads (chunked by tpm2-tools at TPM_PT_NV_BUFFER_MAX).
  RunResult part = RunTool(
      v->tcti(), "tpm2_nvread -C o 0x01400001 -s 1500 --offset 1000 -o " + tmp / "part.bin");
  ASSERT_EQ(part.status, 0) << part.output;
  EXPECT_EQ(ReadFileBytes(tmp / "part.bin").value(),
            Bytes(report->begin() + 1000, report->begin() + 2500));
}

TEST(AzureVtpmTools, NvReadPublicListsVirtualIndicesWithAzureSizes) {
  const Bytes cert(1234, 0x30);
  auto v = StartVtpm(cert);
  ASSERT_NE(v, nullptr);
  RunResult all = RunTool(v->tcti(), "tpm2_nvreadpublic");
  ASSERT_EQ(all.status, 0) << all.output;
  auto block = [&](const std::string& handle) {
    size_t at = all.output.find(handle + ":");
    if (at == std::string::npos) return std::string();
    size_t end = all.output.find("\n0x", at + 1);
    return all.output.substr(at, end == std::string::npos ? std::string::npos : end - at);
  };
  EXPECT_NE(block("0x1400001").find("size: 2600"), std::string::npos) << all.output;
  EXPECT_NE(block("0x1400002").find("size: 64"), std::string::npos) << all.output;
  EXPECT_NE(block("0x1c101d0").find("size: 4096"), std::string::npos) << all.output;
  EXPECT_NE(block("0x1400001").find("ownerread"), std::string::npos) << all.output;
  EXPECT_EQ(block("0x1400001").find("ownerwrite"), std::string::npos) << all.output;

  TempDir tmp;
  RunResult rc = RunTool(v->tcti(), "tpm2_nvread -C o 0x01C101D0 -o " + tmp / "cert.bin");
  ASSERT_EQ(rc.status, 0) << rc.output;
  Bytes expected = cert;
  expected.resize(4096, 0);
  EXPECT_EQ(ReadFileBytes(tmp / "cert.bin").value(), expected);
}

TEST(AzureVtpmTools, QuoteByAkVerifiesWithCheckquote) {
  auto v = StartVtpm();
  ASSERT_NE(v, nullptr);
  TempDir tmp;
  RunResult pub = RunTool(v->tcti(), "tpm2_readpublic -c 0x81000003 -f pem -o " + tmp / "ak.pem");
  ASSERT_EQ(pub.status, 0) << pub.output;
  EXPECT_NE(pub.output.find("sign"), std::string::npos) << pub.output;
  EXPECT_NE(pub.output.find("restricted"), std::string::npos) << pub.output;
  const std::string nonce = "00112233445566778899aabbccddeeff";
  RunResult q =
      RunTool(v->tcti(), "tpm2_quote -c 0x81000003 -l sha256:0,1,2,3,4,5,6,7 -q " + nonce + " -m " +
                             tmp / "msg" + " -s " + tmp / "sig" + " -o " + tmp / "pcrs");
  ASSERT_EQ(q.status, 0) << q.output;
  RunResult c =
      RunTool(v->tcti(), "tpm2_checkquote -u " + tmp / "ak.pem" + " -m " + tmp / "msg" + " -s " +
                             tmp / "sig" + " -f " + tmp / "pcrs" + " -q " + nonce);
  EXPECT_EQ(c.status, 0) << c.output;
  // A different nonce must not verify.
  RunResult bad =
      RunTool(v->tcti(), "tpm2_checkquote -u " + tmp / "ak.pem" + " -m " + tmp / "msg" + " -s " +
                             tmp / "sig" + " -f " + tmp / "pcrs" + " -q ff" + nonce.substr(2));
  EXPECT_NE(bad.status, 0) << bad.output;
}

TEST(AzureVtpmTools, WriteToReportIndexIsRefused) {
  auto v = StartVtpm();
  ASSERT_NE(v, nullptr);
  TempDir tmp;
  ASSERT_TRUE(WriteFileBytes(tmp / "x.bin", Bytes(16, 0xAA)).ok());
  RunResult w = RunTool(v->tcti(), "tpm2_nvwrite -C o -i " + tmp / "x.bin" + " 0x01400001");
  EXPECT_NE(w.status, 0);
  EXPECT_NE(w.output.find("0x149"), std::string::npos) << w.output;  // TPM_RC_NV_AUTHORIZATION
  // Defining a virtual index again fails as on Azure, where it exists.
  RunResult d = RunTool(v->tcti(), "tpm2_nvdefine -C o -s 64 0x01400002");
  EXPECT_NE(d.status, 0);
  EXPECT_NE(d.output.find("0x14C"), std::string::npos) << d.output;  // TPM_RC_NV_DEFINED
  // The report is unchanged.
  RunResult r = RunTool(v->tcti(), "tpm2_nvread -C o 0x01400001 -o " + tmp / "r.bin");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(ReadFileBytes(tmp / "r.bin").value(), TestReport(Bytes(64, 0)));
}

TEST(AzureVtpmDevice, EsapiChunkedReadQuoteAndErrors) {
  auto v = StartVtpm();
  ASSERT_NE(v, nullptr);
  auto dev = tpm::Device::Open(v->tcti());
  ASSERT_TRUE(dev.ok()) << dev.error().ToString();
  tpm::Device& d = **dev;
  EXPECT_EQ(d.NvBufferMax().value(), 1024u);

  auto pub = d.NvReadPublic(kNvHclReport);
  ASSERT_TRUE(pub.ok()) << pub.error().ToString();
  EXPECT_EQ(pub->data_size, 2600);
  EXPECT_EQ(pub->name.size(), 34u);  // 000b || SHA-256

  const Bytes ud = UserData(0x99);
  ASSERT_TRUE(d.NvWrite(kNvUserData, ud).ok());
  auto report = d.NvRead(kNvHclReport);  // 1024 + 1024 + 552
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(*report, TestReport(ud));
  // Index auth (authread) works as well as owner auth.
  EXPECT_EQ(d.NvRead(kNvUserData, tpm::NvAuth::kIndex).value(), ud);

  // A read past the end: TPM_RC_NV_RANGE; a chunk above TPM_PT_NV_BUFFER_MAX: TPM_RC_VALUE(P1).
  auto range = d.NvRead(kNvHclReport, 2000, 601);
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.error().message().find("0x00000146"), std::string::npos)
      << range.error().message();
  ESYS_TR nv = ESYS_TR_NONE;
  ASSERT_EQ(
      Esys_TR_FromTPMPublic(d.esys(), kNvHclReport, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv),
      TSS2_RC_SUCCESS);
  TPM2B_MAX_NV_BUFFER* data = nullptr;
  EXPECT_EQ(Esys_NV_Read(d.esys(), ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                         ESYS_TR_NONE, 1025, 0, &data),
            0x1C4u);
  Esys_Free(data);
  Esys_TR_Close(d.esys(), &nv);

  auto w = d.NvWrite(kNvHclReport, Bytes(8, 1));
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message().find("0x00000149"), std::string::npos) << w.error().message();
  EXPECT_NE(w.error().message().find("0x01400001"), std::string::npos) << w.error().message();

  // Quote by the AK, verified with the AK public key from the TPM.
  auto ak = d.ReadPublic(kAkHandle);
  ASSERT_TRUE(ak.ok()) << ak.error().ToString();
  EXPECT_EQ(ak->rsa_modulus, v->keys().ak.rsa_modulus);
  const Bytes nonce = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  auto quote = d.Quote(kAkHandle, {0, 1, 2, 3, 4, 5, 6, 7}, nonce);
  ASSERT_TRUE(quote.ok()) << quote.error().ToString();
  EXPECT_EQ(quote->signature.size(), 256u);
  auto key = crypto::RsaPublicKeyFromComponents(ak->rsa_modulus, Bytes{1, 0, 1});
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(
      crypto::VerifyRsaPkcs1(*key, crypto::HashAlg::kSha256, quote->attest, quote->signature).ok());
  Bytes tampered = quote->attest;
  tampered.back() ^= 1;
  EXPECT_FALSE(
      crypto::VerifyRsaPkcs1(*key, crypto::HashAlg::kSha256, tampered, quote->signature).ok());
  // TPMS_ATTEST magic + quote type (evidence-formats.md 2.7).
  ASSERT_GE(quote->attest.size(), 6u);
  EXPECT_EQ(Bytes(quote->attest.begin(), quote->attest.begin() + 6),
            (Bytes{0xFF, 0x54, 0x43, 0x47, 0x80, 0x18}));

  // PCRs 0-7 hold the emulated measured boot: PCR7 = extend(0, SecureBoot) then separator.
  Bytes pcr7(32, 0);
  for (const BootEvent& e : v->boot_events()) {
    if (e.pcr == 7) pcr7 = crypto::Sha256(Concat(pcr7, e.sha256));
  }
  EXPECT_EQ(d.PcrRead(7, TPM2_ALG_SHA256).value(), pcr7);
  EXPECT_EQ(d.PcrRead(8, TPM2_ALG_SHA256).value(), Bytes(32, 0));
}

TEST(AzureVtpmLifecycle, NoSwtpmProcessRemainsAfterStop) {
  fs::path state;
  pid_t pid = -1;
  {
    auto v = StartVtpm();
    ASSERT_NE(v, nullptr);
    state = v->swtpm().state_dir();
    pid = v->swtpm().pid();
    EXPECT_EQ(SwtpmPidsWith(state.string()), std::vector<int>{pid});
  }
  EXPECT_TRUE(SwtpmPidsWith(state.string()).empty());
  EXPECT_FALSE(fs::exists(state));  // non-persisted: the temp state dir is removed
}

TEST(AzureVtpmLifecycle, PersistedStateKeepsTheAk) {
  TempDir tmp;
  Bytes modulus;
  for (int run = 0; run < 2; ++run) {
    AzureVtpm::Options o;
    o.report_provider_factory = TestFactory();
    o.state_dir = tmp.path() / "state";
    auto v = AzureVtpm::Start(std::move(o));
    ASSERT_TRUE(v.ok()) << v.error().ToString();
    if (run == 0) {
      modulus = (*v)->keys().ak.rsa_modulus;
    } else {
      EXPECT_EQ((*v)->keys().ak.rsa_modulus, modulus);
    }
  }
  EXPECT_TRUE(fs::exists(tmp.path() / "state"));
  EXPECT_TRUE(SwtpmPidsWith((tmp.path() / "state").string()).empty());
}

// The configuration swtpm gets makes OpenSSL's RNG the provider's ChaCha20 keystream: with an
// all-zero key, `openssl rand` under it prints RFC 8439 appendix A.1 test vector #1.
TEST(AzureVtpmLifecycle, SeededEntropyIsTheChaCha20Keystream) {
  SwtpmProcess::Options o;
  o.entropy_key = Bytes(32, 0);
  auto swtpm = SwtpmProcess::Start(o);
  ASSERT_TRUE(swtpm.ok()) << swtpm.error().ToString();
  const fs::path conf = (*swtpm)->state_dir() / "swtpm-openssl.cnf";
  ASSERT_TRUE(fs::exists(conf));
  const std::string env = "OPENSSL_CONF=" + conf.string() +
                          " SKR_SWTPM_ENTROPY_KEY=" + std::string(64, '0') + " openssl rand -hex ";
  RunResult r = ::skr::testing::RunShell(env + "64");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output,
            "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
            "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586\n");
  // Without a well-formed key the provider refuses to load, so nothing runs on a fixed stream.
  RunResult bad = ::skr::testing::RunShell("OPENSSL_CONF=" + conf.string() +
                                           " SKR_SWTPM_ENTROPY_KEY=abc openssl rand -hex 8 2>&1");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.output.find("SKR_SWTPM_ENTROPY_KEY must hold 64 hex digits"), std::string::npos)
      << bad.output;
}

// Two fresh TPMs with the same entropy key are the same TPM: same EK and AK (from the EPS) and the
// same TPM2_GetRandom stream; another key or the OS RNG gives other keys.
TEST(AzureVtpmLifecycle, EntropyKeyMakesTheTpmSeedsReproducible) {
  struct Run {
    Bytes ek, ak, random;
  };
  auto start = [](Bytes key) -> Run {
    AzureVtpm::Options o;
    o.report_provider_factory = TestFactory();
    o.entropy_key = std::move(key);
    auto v = AzureVtpm::Start(std::move(o));
    EXPECT_TRUE(v.ok()) << v.error().ToString();
    if (!v.ok()) return {};
    RunResult r = RunTool((*v)->tcti(), "tpm2_getrandom --hex 32");
    EXPECT_EQ(r.status, 0) << r.output;
    return {(*v)->keys().ek.rsa_modulus, (*v)->keys().ak.rsa_modulus, ToBytes(AsBytes(r.output))};
  };
  const Run a = start(Bytes(32, 0x11));
  const Run b = start(Bytes(32, 0x11));
  const Run c = start(Bytes(32, 0x22));
  const Run os_rng = start({});
  ASSERT_FALSE(a.ek.empty());
  EXPECT_EQ(a.ek, b.ek);
  EXPECT_EQ(a.ak, b.ak);
  EXPECT_EQ(a.random, b.random);
  EXPECT_NE(a.ek, c.ek);
  EXPECT_NE(a.ak, c.ak);
  EXPECT_NE(a.random, c.random);
  EXPECT_NE(a.ek, os_rng.ek);

  AzureVtpm::Options bad;
  bad.report_provider_factory = TestFactory();
  bad.entropy_key = Bytes(31, 0x11);
  auto v = AzureVtpm::Start(std::move(bad));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("must be 32"), std::string::npos) << v.error().ToString();
}

// Sends raw bytes to the paravisor; returns what comes back until the paravisor closes the
// connection (after the client half-closes).
Bytes RawExchange(uint16_t port, ByteView bytes) {
  auto fd = ConnectLoopback(port);
  EXPECT_TRUE(fd.ok());
  if (!fd.ok()) return {};
  WriteAll(fd->get(), bytes.data(), bytes.size());
  ::shutdown(fd->get(), SHUT_WR);
  Bytes out;
  uint8_t buf[512];
  ssize_t n;
  while ((n = ::recv(fd->get(), buf, sizeof(buf), 0)) > 0) out.insert(out.end(), buf, buf + n);
  return out;
}

uint32_t ResponseCode(ByteView rsp) {
  if (rsp.size() < 10) return 0xFFFFFFFF;
  return (uint32_t{rsp[6]} << 24) | (uint32_t{rsp[7]} << 16) | (uint32_t{rsp[8]} << 8) | rsp[9];
}

TEST(AzureVtpmParavisor, MalformedStreamsGetErrorsOrCloseAndServiceContinues) {
  auto v = StartVtpm();
  ASSERT_NE(v, nullptr);
  const uint16_t port = v->paravisor().port();
  // Truncated header: closed without a response.
  EXPECT_TRUE(RawExchange(port, Bytes{0x80, 0x01, 0x00}).empty());
  // Size field below the header size / above the command buffer: TPM_RC_COMMAND_SIZE, then close.
  EXPECT_EQ(ResponseCode(RawExchange(port, Bytes{0x80, 0x01, 0, 0, 0, 4, 0, 0, 1, 0x7A})), 0x142u);
  EXPECT_EQ(ResponseCode(RawExchange(port, Bytes{0x80, 0x01, 0, 1, 0, 0, 0, 0, 1, 0x7A})), 0x142u);
  // Size field larger than the data sent: closed without a response.
  EXPECT_TRUE(RawExchange(port, Bytes{0x80, 0x01, 0, 0, 0, 0x40, 0, 0, 1, 0x7A, 1, 2}).empty());
  // Garbage tag with a consistent size: TPM_RC_BAD_TAG.
  EXPECT_EQ(ResponseCode(RawExchange(
                port, Bytes{0x12, 0x34, 0, 0, 0, 12, 0xDE, 0xAD, 0xBE, 0xEF, 0xAA, 0xBB})),
            0x01Eu);
  // Malformed NV_Read on a virtual index (no parameters): an error response, no crash.
  const Bytes bad_read = {0x80, 0x02, 0, 0, 0, 18,   0,    0, 0x01,
                          0x4E, 0x40, 0, 0, 1, 0x01, 0x40, 0, 1};
  EXPECT_NE(ResponseCode(RawExchange(port, bad_read)), 0u);
  // Then a well-formed client still works.
  TempDir tmp;
  RunResult r = RunTool(v->tcti(), "tpm2_nvread -C o 0x01400001 -o " + tmp / "r.bin");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(ReadFileBytes(tmp / "r.bin").value(), TestReport(Bytes(64, 0)));
}

size_t ThreadCount() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// The swtpm TCTI opens a connection per command: the paravisor joins finished connection threads,
// so a long-running vTPM keeps a bounded number of threads (it used to keep one per connection
// until Stop and ran out of memory mappings under load).
TEST(AzureVtpmParavisor, FinishedConnectionThreadsAreReaped) {
  auto v = StartVtpm();
  ASSERT_NE(v, nullptr);
  const size_t before = ThreadCount();
  for (int i = 0; i < 64; ++i) {
    auto fd = ConnectLoopback(v->paravisor().port());
    ASSERT_TRUE(fd.ok());
  }
  // The acceptor reaps at each accept; a thread whose peer just closed may still be finishing, so
  // keep connecting (real commands) until the count settles. Without reaping it never drops
  // below before + 64.
  auto d = tpm::Device::Open(v->tcti());
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  size_t now = ThreadCount();
  for (int i = 0; i < 200 && now >= before + 8; ++i) {
    ASSERT_TRUE((*d)->PcrRead(0, TPM2_ALG_SHA256).ok());
    auto fd = ConnectLoopback(v->paravisor().port());
    ASSERT_TRUE(fd.ok());
    now = ThreadCount();
  }
  EXPECT_LT(now, before + 8) << "connection threads were not joined";
}

TEST(AzureVtpmParavisor, RequiresAProvider) {
  Paravisor::Options o;
  o.swtpm_port = 1;
  auto p = Paravisor::Start(o);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace skr::emulator::vtpm
