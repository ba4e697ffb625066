// Cross-checks the TPM structure code against a real TPM implementation (swtpm/libtpms): names,
// qualified names, RSASSA and RSAPSS quotes over PCRs the test extended.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "libskr/tpm/attest.h"
#include "libskr/tpm/device.h"
#include "libskr/tpm/public.h"
#include "libskr/tpm/quote.h"

namespace skr::tpm {
namespace {

constexpr char kSwtpm[] = "/usr/bin/swtpm";

// A free loopback TCP port (the kernel's choice for port 0); swtpm also needs port + 1.
uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  uint16_t p = ntohs(a.sin_port);
  return p < 65535 ? p : 0;
}

bool Accepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

// swtpm on loopback in a temp dir, killed and removed at the end of the test.
class Swtpm {
 public:
  bool Start() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "skr-tpmtest-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) return false;
    dir_ = tmpl;
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = FreePort();
      if (port_ == 0) continue;
      std::vector<std::string> args = {
          kSwtpm,
          "socket",
          "--tpm2",
          "--tpmstate",
          "dir=" + dir_.string(),
          "--server",
          "type=tcp,port=" + std::to_string(port_) + ",bindaddr=127.0.0.1",
          "--ctrl",
          "type=tcp,port=" + std::to_string(port_ + 1) + ",bindaddr=127.0.0.1",
          "--flags",
          "not-need-init,startup-clear"};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      pid_ = ::fork();
      if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::execv(argv[0], argv.data());
        ::_exit(127);
      }
      for (int i = 0; i < 200; ++i) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) break;  // port taken: retry
        if (Accepts(port_) && Accepts(static_cast<uint16_t>(port_ + 1))) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      Stop();
    }
    return false;
  }
  void Stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  ~Swtpm() {
    Stop();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::string tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::filesystem::path dir_;
};

TEST(SwtpmQuote, RsassaAndRsapssQuotesVerify) {
  if (::access(kSwtpm, X_OK) != 0) GTEST_SKIP() << kSwtpm << " is not installed";
  Swtpm swtpm;
  ASSERT_TRUE(swtpm.Start()) << "could not start swtpm";
  auto dev = Device::Open(swtpm.tcti());
  ASSERT_TRUE(dev.ok()) << dev.error().ToString();

  // Measure something into PCRs 0..7 so the digest covers non-trivial values.
  for (uint32_t pcr = 0; pcr < 8; ++pcr) {
    ASSERT_TRUE((*dev)->PcrExtend(pcr, kAlgSha256, crypto::Sha256(Bytes{uint8_t(pcr)})).ok());
  }
  std::vector<Bytes> pcrs;
  std::vector<uint32_t> all;
  for (uint32_t pcr = 0; pcr < 24; ++pcr) {
    auto v = (*dev)->PcrRead(pcr, kAlgSha256);
    ASSERT_TRUE(v.ok()) << v.error().ToString();
    pcrs.push_back(*v);
    all.push_back(pcr);
  }
  PcrValues values = PcrBank(kAlgSha256, pcrs);

  struct Case {
    uint16_t scheme;
    uint32_t handle;
  };
  for (const Case& c : {Case{kAlgRsassa, 0x81000003}, Case{kAlgRsapss, 0x81000004}}) {
    TPM2B_PUBLIC tmpl = AzureAkTemplate();
    tmpl.publicArea.parameters.rsaDetail.scheme.scheme = c.scheme;
    ESYS_TR handle = ESYS_TR_NONE;
    auto ak = (*dev)->CreatePrimary(Hierarchy::kEndorsement, tmpl, &handle);
    ASSERT_TRUE(ak.ok()) << ak.error().ToString();
    ASSERT_TRUE((*dev)->EvictControl(handle, c.handle).ok());
    ASSERT_TRUE((*dev)->FlushContext(handle).ok());

    // The TPM's own name of the key equals ours, and the public area round-trips.
    auto pub = ParsePublic(ak->tpmt_public);
    ASSERT_TRUE(pub.ok()) << pub.error().ToString();
    EXPECT_EQ(pub->Serialize(), ak->tpmt_public);
    EXPECT_EQ(*pub->Name(), ak->name);
    auto key = pub->ToPublicKey();
    ASSERT_TRUE(key.ok());

    Bytes nonce(32, 0x5A);
    auto q = (*dev)->Quote(c.handle, all, nonce);
    ASSERT_TRUE(q.ok()) << q.error().ToString();
    auto sig = ParseSignature(q->signature_tpmt);
    ASSERT_TRUE(sig.ok()) << sig.error().ToString();
    EXPECT_EQ(sig->sig_alg, c.scheme);
    EXPECT_EQ(sig->rsa_signature, q->signature);
    auto a = VerifyQuote(q->attest, *sig, *key, nonce, values);
    ASSERT_TRUE(a.ok()) << c.scheme << ": " << a.error().ToString();
    EXPECT_EQ(a->qualified_signer,
              *QualifiedName(kAlgSha256, HierarchyQualifiedName(kRhEndorsement), ak->name));
    EXPECT_EQ(*a->Serialize(), q->attest);
    // Negatives on real TPM output.
    EXPECT_FALSE(VerifyQuote(q->attest, *sig, *key, Bytes(32, 0x5B), values).ok());
    PcrValues changed = values;
    changed[PcrId{kAlgSha256, 4}][31] ^= 1;
    EXPECT_FALSE(VerifyQuote(q->attest, *sig, *key, nonce, changed).ok());
    Bytes flipped = q->attest;
    flipped[flipped.size() - 1] ^= 1;
    EXPECT_FALSE(VerifyQuote(flipped, *sig, *key, nonce, values).ok());
  }
}

// The AzureGuest ephemeral key (NULL-hierarchy primary with a PolicyPCR authPolicy) certified by
// the AK, as EncKeyPub / EncKeyCertifyInfo / EncKeyCertifyInfoSignature (skr-protocol.md 1.4).
TEST(SwtpmQuote, CertifiedEphemeralKeyVerifies) {
  if (::access(kSwtpm, X_OK) != 0) GTEST_SKIP() << kSwtpm << " is not installed";
  Swtpm swtpm;
  ASSERT_TRUE(swtpm.Start()) << "could not start swtpm";
  auto dev = Device::Open(swtpm.tcti());
  ASSERT_TRUE(dev.ok()) << dev.error().ToString();
  ESYS_TR ak_tr = ESYS_TR_NONE;
  auto ak = (*dev)->CreatePrimary(Hierarchy::kEndorsement, AzureAkTemplate(), &ak_tr);
  ASSERT_TRUE(ak.ok()) << ak.error().ToString();
  ASSERT_TRUE((*dev)->EvictControl(ak_tr, 0x81000003).ok());
  ASSERT_TRUE((*dev)->FlushContext(ak_tr).ok());
  auto ak_key = ParsePublic(ak->tpmt_public)->ToPublicKey();
  ASSERT_TRUE(ak_key.ok());

  auto policy = (*dev)->PolicyPcrDigest({0, 1, 2, 3, 4, 5, 6, 7});
  ASSERT_TRUE(policy.ok()) << policy.error().ToString();
  ESYS_TR eph_tr = ESYS_TR_NONE;
  auto eph = (*dev)->CreatePrimary(Hierarchy::kNull, AzureEphemeralKeyTemplate(*policy), &eph_tr);
  ASSERT_TRUE(eph.ok()) << eph.error().ToString();
  auto eph_pub = ParsePublic(eph->tpmt_public);
  ASSERT_TRUE(eph_pub.ok()) << eph_pub.error().ToString();
  EXPECT_EQ(eph_pub->auth_policy, *policy);
  EXPECT_EQ(eph_pub->scheme.scheme, kAlgNull);
  EXPECT_EQ(eph_pub->rsa_exponent, 0u);
  EXPECT_EQ(*eph_pub->Name(), eph->name);
  auto jwk = eph_pub->ToJwk();
  ASSERT_TRUE(jwk.ok());
  EXPECT_EQ(jwk->json()["e"], "AQAB");

  Bytes nonce = {0x01, 0x02, 0x03};
  auto c = (*dev)->Certify(eph_tr, 0x81000003, nonce);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  auto sig = ParseSignature(c->signature_tpmt);
  ASSERT_TRUE(sig.ok());
  auto a = VerifyCertify(c->attest, *sig, *ak_key, nonce, *eph_pub);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ(a->certify->qualified_name,
            *QualifiedName(kAlgSha256, HierarchyQualifiedName(kRhNull), eph->name));
  EXPECT_EQ(*a->Serialize(), c->attest);
  // Negatives: another public area, another nonce, a quote verifier on a certify structure.
  TpmPublic other = *eph_pub;
  other.unique_rsa[0] ^= 1;
  auto wrong = VerifyCertify(c->attest, *sig, *ak_key, nonce, other);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("certified name"), std::string::npos);
  EXPECT_FALSE(VerifyCertify(c->attest, *sig, *ak_key, {}, *eph_pub).ok());
  EXPECT_FALSE(VerifyQuote(c->attest, *sig, *ak_key, nonce, {}).ok());
  EXPECT_TRUE((*dev)->FlushContext(eph_tr).ok());
}

}  // namespace
}  // namespace skr::tpm
