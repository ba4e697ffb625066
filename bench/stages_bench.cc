// Each stage of the attestation-to-release path alone, against its floor (bench/floor.h):
// evidence parsing and verification on the real captured samples, token issue and verify, key
// release wrapping and unwrapping, and every TPM operation of the client on the emulated vTPM.
#include <benchmark/benchmark.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>

#include "bench/floor.h"
#include "client/guest_tpm.h"
#include "libskr/base/files.h"
#include "libskr/crypto/keys.h"
#include "libskr/crypto/keywrap.h"
#include "libskr/crypto/rsa_encrypt.h"
#include "libskr/crypto/signature.h"
#include "libskr/hcl/report.h"
#include "libskr/hcl/verify.h"
#include "libskr/jose/jws.h"
#include "libskr/kv/key_hsm.h"
#include "libskr/snp/verify.h"
#include "libskr/tdx/abi.h"
#include "libskr/tdx/verify.h"
#include "snp-tdx-emulator/hcl/hcl_generator.h"
#include "snp-tdx-emulator/vtpm/azure_vtpm.h"
#include "snp-tdx-emulator/vtpm/swtpm_process.h"

namespace skr::bench {
namespace {

// A sample from ../shared, or nullopt with the benchmark skipped saying why.
std::optional<Bytes> Sample(benchmark::State& state, const std::string& relative) {
  auto dir = SharedDir();
  if (!dir) {
    state.SkipWithError(("shared samples not found: " + SharedDirHelp()).c_str());
    return std::nullopt;
  }
  auto bytes = ReadFileBytes(*dir / relative);
  if (!bytes.ok()) {
    state.SkipWithError(bytes.error().ToString().c_str());
    return std::nullopt;
  }
  return *bytes;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "benchmark setup failed: %s\n", what);
    std::abort();
  }
}

// ---- Evidence ----

// HCL report parse + runtime claims parse + REPORT_DATA binding; floor: the SHA-256 it needs.
void BM_Stage_HclParseAndBind(benchmark::State& state) {
  auto raw = Sample(state, "evidence-samples/trustee/az-snp-vtpm/hcl-report.bin");
  if (!raw) return;
  auto report = hcl::ParseHclReport(*raw);
  Check(report.ok(), "parse sample HCL report");
  Bytes claims = report->runtime_claims;
  RunAgainstFloor(
      state,
      [&] {
        auto r = hcl::ParseHclReport(*raw);
        auto c = hcl::RuntimeClaims::Parse(r->runtime_claims);
        auto b = hcl::VerifyRuntimeClaimsBinding(*r);
        benchmark::DoNotOptimize(c.ok() && b.ok());
      },
      [&] { benchmark::DoNotOptimize(crypto::Sha256(claims)); });
}
BENCHMARK(BM_Stage_HclParseAndBind);

// SNP report + ARK->ASK->VCEK chain (the real Azure Milan sample); floor: the ECDSA P-384 verify
// of the report and the two RSA-4096 PSS verifies of the chain.
void BM_Stage_SnpVerifyAttestation(benchmark::State& state) {
  auto hcl_raw = Sample(state, "evidence-samples/trustee/az-snp-vtpm/hcl-report.bin");
  auto vcek_pem = Sample(state, "evidence-samples/trustee/az-snp-vtpm/vcek.pem");
  auto amd_pem = Sample(state, "evidence-samples/trustee/amd-ca/milan_ask_ark_asvk.pem");
  if (!hcl_raw || !vcek_pem || !amd_pem) return;
  auto hcl = hcl::ParseHclReport(*hcl_raw);
  Check(hcl.ok(), "HCL");
  Bytes report = ToBytes(hcl->HardwareReport());
  auto vcek = x509::CertificatesFromPem(AsString(*vcek_pem));
  auto bundle = x509::CertificatesFromPem(AsString(*amd_pem));
  Check(vcek.ok() && bundle.ok(), "certs");
  auto chain = snp::ChainFromBundle((*vcek)[0], *bundle);
  Check(chain.ok(), "chain");
  snp::VerifyOptions opts;
  opts.trusted_roots = {chain->ark};
  opts.time = (*vcek)[0].not_before() + 86400;
  Check(snp::VerifyAttestation(report, *chain, opts).ok(), "sample verifies");
  const crypto::PublicKey vcek_key = chain->vcek.public_key();
  const crypto::PublicKey ask_key = chain->ask.public_key();
  const crypto::PublicKey ark_key = chain->ark.public_key();
  RunAgainstFloor(
      state, [&] { benchmark::DoNotOptimize(snp::VerifyAttestation(report, *chain, opts).ok()); },
      [&] {
        benchmark::DoNotOptimize(snp::VerifyReportSignature(report, vcek_key).ok());
        benchmark::DoNotOptimize(X509_verify(chain->vcek.x509(), ask_key.evp()));
        benchmark::DoNotOptimize(X509_verify(chain->ask.x509(), ark_key.evp()));
      },
      20);
}
BENCHMARK(BM_Stage_SnpVerifyAttestation);

// TD quote v4 (the real Azure sample) to the Intel SGX root; floor: four ECDSA P-256 verifies
// (PCK leaf, PCK CA, QE report, quote) and the SHA-256 of the QE binding.
void BM_Stage_TdxVerifyQuote(benchmark::State& state) {
  auto quote = Sample(state, "evidence-samples/trustee/az-tdx-vtpm/td-quote.bin");
  auto root_pem = Sample(state, "evidence-samples/go-tdx-guest/trusted_root.pem");
  if (!quote || !root_pem) return;
  auto root = x509::CertificatesFromPem(AsString(*root_pem));
  Check(root.ok(), "root");
  auto parsed = tdx::ParseTdQuote(*quote);
  Check(parsed.ok(), "quote parses");
  auto chain = tdx::ParsePckChain(parsed->signature_data.qe_cert_data.pck_chain_pem);
  Check(chain.ok(), "pck chain");
  tdx::VerifyOptions opts;
  opts.trusted_roots = *root;
  opts.time = chain->leaf.not_before() + 86400;
  Check(tdx::VerifyQuote(*quote, opts).ok(), "sample verifies");
  const Bytes message = *tdx::QuoteSignedMessage(*parsed);
  const auto& sig = parsed->signature_data;
  const crypto::PublicKey ca_key = chain->intermediate.public_key();
  const crypto::PublicKey root_key = chain->root.public_key();
  RunAgainstFloor(
      state, [&] { benchmark::DoNotOptimize(tdx::VerifyQuote(*quote, opts).ok()); },
      [&] {
        benchmark::DoNotOptimize(X509_verify(chain->leaf.x509(), ca_key.evp()));
        benchmark::DoNotOptimize(X509_verify(chain->intermediate.x509(), root_key.evp()));
        benchmark::DoNotOptimize(tdx::VerifyQeReportSignature(sig.qe_cert_data, chain->leaf).ok());
        benchmark::DoNotOptimize(tdx::VerifyQuoteSignature(sig, message).ok());
        benchmark::DoNotOptimize(crypto::Sha256(sig.attestation_key));
      });
}
BENCHMARK(BM_Stage_TdxVerifyQuote);

// ---- Tokens ----

const crypto::PrivateKey& SigningKey() {
  static const crypto::PrivateKey* k = new crypto::PrivateKey(*crypto::GenerateRsaKey(2048));
  return *k;
}

std::string ClaimsPayload() {
  nlohmann::json claims = {{"iss", "https://sharedeus.eus.attest.azure.net"},
                           {"x-ms-attestation-type", "sevsnpvm"},
                           {"x-ms-sevsnpvm-is-debuggable", false},
                           {"x-ms-sevsnpvm-launchmeasurement", std::string(96, 'a')},
                           {"x-ms-runtime", {{"keys", nlohmann::json::array()}}},
                           {"exp", 1800000000},
                           {"iat", 1799971200}};
  for (int i = 0; i < 30; ++i) claims["x-ms-claim-" + std::to_string(i)] = std::string(64, 'b');
  return claims.dump();
}

// JWS RS256 over an MAA-sized claim set; floor: the RSA-2048 PKCS#1 signature.
void BM_Stage_TokenSign(benchmark::State& state) {
  const std::string payload = ClaimsPayload();
  nlohmann::json header = {{"typ", "JWT"}, {"kid", "k"}, {"jku", "https://x/certs"}};
  RunAgainstFloor(
      state,
      [&] {
        benchmark::DoNotOptimize(
            jose::SignCompact(header, AsBytes(payload), jose::JwsAlg::kRs256, SigningKey()).ok());
      },
      [&] {
        benchmark::DoNotOptimize(
            crypto::SignRsaPkcs1(SigningKey(), crypto::HashAlg::kSha256, AsBytes(payload)).ok());
      });
}
BENCHMARK(BM_Stage_TokenSign);

// JWS RS256 verification with a known key (the JWKS already cached); floor: the RSA verify.
void BM_Stage_TokenVerify(benchmark::State& state) {
  const std::string payload = ClaimsPayload();
  auto jws =
      jose::SignCompact({{"typ", "JWT"}}, AsBytes(payload), jose::JwsAlg::kRs256, SigningKey());
  Check(jws.ok(), "sign");
  auto sig = crypto::SignRsaPkcs1(SigningKey(), crypto::HashAlg::kSha256, AsBytes(payload));
  const crypto::PublicKey pub = SigningKey().public_key();
  jose::JwsVerifyOptions opts;
  opts.allowed_algs = {jose::JwsAlg::kRs256};
  RunAgainstFloor(
      state, [&] { benchmark::DoNotOptimize(jose::VerifyCompact(*jws, pub, opts).ok()); },
      [&] {
        benchmark::DoNotOptimize(
            crypto::VerifyRsaPkcs1(pub, crypto::HashAlg::kSha256, AsBytes(payload), *sig).ok());
      });
}
BENCHMARK(BM_Stage_TokenVerify);

// ---- Key release wrapping ----

struct WrapFixture {
  crypto::PrivateKey wrapping = *crypto::GenerateRsaKey(2048);
  Bytes material = crypto::GenerateRsaKey(2048)->ToPkcs8Der();
  Bytes transfer = Bytes(32, 0x5C);
};
WrapFixture& Wrap() {
  static WrapFixture* f = new WrapFixture();
  return *f;
}

// key_hsm for an RSA-2048 key (RSA_AES_KEY_WRAP_256); floor: OAEP-SHA-256 encrypt + RFC 5649 wrap.
void BM_Stage_KeyHsmWrap(benchmark::State& state) {
  WrapFixture& f = Wrap();
  const crypto::PublicKey pub = f.wrapping.public_key();
  crypto::OaepParams oaep;
  RunAgainstFloor(
      state,
      [&] {
        auto b = kv::WrapKeyHsm(f.material, pub, "TpmEphemeralEncryptionKey",
                                kv::KeyWrapAlgorithm::kRsaAesKeyWrap256, f.transfer);
        benchmark::DoNotOptimize(kv::EncodeKeyHsm(*b));
      },
      [&] {
        benchmark::DoNotOptimize(crypto::RsaOaepEncrypt(pub, oaep, f.transfer).ok());
        benchmark::DoNotOptimize(crypto::AesKeyWrapPad(f.transfer, f.material).ok());
      });
}
BENCHMARK(BM_Stage_KeyHsmWrap);

// Parse + unwrap of key_hsm with a software RSA key; floor: OAEP decrypt + RFC 5649 unwrap.
void BM_Stage_KeyHsmUnwrapSoftware(benchmark::State& state) {
  WrapFixture& f = Wrap();
  auto blob = kv::WrapKeyHsm(f.material, f.wrapping.public_key(), "k",
                             kv::KeyWrapAlgorithm::kRsaAesKeyWrap256, f.transfer);
  const std::string encoded = kv::EncodeKeyHsm(*blob);
  crypto::OaepParams oaep;
  auto decrypt = [&](crypto::HashAlg hash, ByteView ct) {
    crypto::OaepParams p;
    p.hash = hash;
    return crypto::RsaOaepDecrypt(f.wrapping, p, ct);
  };
  const ByteView ct(blob->ciphertext);
  RunAgainstFloor(
      state,
      [&] {
        auto parsed = kv::ParseKeyHsm(encoded);
        benchmark::DoNotOptimize(kv::UnwrapKeyHsm(*parsed, 256, decrypt).ok());
      },
      [&] {
        benchmark::DoNotOptimize(crypto::RsaOaepDecrypt(f.wrapping, oaep, ct.first(256)).ok());
        benchmark::DoNotOptimize(crypto::AesKeyUnwrapPad(f.transfer, ct.subspan(256)).ok());
      });
}
BENCHMARK(BM_Stage_KeyHsmUnwrapSoftware);

// ---- TPM operations of the client, through the paravisor, against the same TPM commands on a
// bare swtpm (the floor). One emulated vTPM for all of them. Fixed iteration counts keep the run
// time of these millisecond operations predictable. ----

struct VtpmFixture {
  std::unique_ptr<emulator::vtpm::AzureVtpm> vtpm;
  std::unique_ptr<client::GuestTpm> guest;  // through the paravisor
  // A second, bare swtpm with the same AK provisioning: the paravisor holds its swtpm's only
  // connection (swtpm serves one at a time), so the floor runs on its own TPM.
  std::unique_ptr<emulator::vtpm::SwtpmProcess> bare;
  std::unique_ptr<tpm::Device> direct;
  static constexpr uint32_t kDirectIndex = 0x01500001;
};

VtpmFixture& Vtpm() {
  static VtpmFixture* f = [] {
    auto* fx = new VtpmFixture();
    emulator::vtpm::AzureVtpm::Options o;
    o.report_provider_factory = [](const emulator::vtpm::VtpmKeys& keys) {
      emulator::HclGeneratorOptions g;
      g.ak_modulus = keys.ak.rsa_modulus;
      g.ek_modulus = keys.ek.rsa_modulus;
      g.vm.vm_unique_id = "00000000-0000-0000-0000-0000000000B1";
      g.signer = [](ByteView report_data) -> Result<Bytes> {
        Bytes r(hcl::kHwReportSize, 0);
        std::copy(report_data.begin(), report_data.end(), r.begin() + hcl::kSnpReportDataOffset);
        return r;
      };
      return [g](ByteView ud) { return emulator::GenerateHclReport(g, ud); };
    };
    auto v = emulator::vtpm::AzureVtpm::Start(std::move(o));
    Check(v.ok(), "start vTPM");
    fx->vtpm = std::move(v).value();
    auto g = client::GuestTpm::Open(fx->vtpm->tcti());
    Check(g.ok(), "open guest TPM");
    fx->guest = std::move(g).value();
    auto bare = emulator::vtpm::SwtpmProcess::Start();
    Check(bare.ok(), "start bare swtpm");
    fx->bare = std::move(bare).value();
    auto d = tpm::Device::Open(fx->bare->tcti());
    Check(d.ok(), "open bare swtpm");
    fx->direct = std::move(d).value();
    ESYS_TR ak = ESYS_TR_NONE;
    Check(fx->direct->CreatePrimary(tpm::Hierarchy::kEndorsement, tpm::AzureAkTemplate(), &ak).ok(),
          "create AK");
    Check(fx->direct->EvictControl(ak, client::kAkHandle).ok(), "persist AK");
    (void)fx->direct->FlushContext(ak);
    // A 2048-byte index in swtpm itself (its maximum), for the NV read floor.
    Check(fx->direct
              ->NvDefine(
                  VtpmFixture::kDirectIndex, 2048,
                  TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD | TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE)
              .ok(),
          "define NV");
    Check(fx->direct->NvWrite(VtpmFixture::kDirectIndex, Bytes(2048, 0xA5)).ok(), "write NV");
    return fx;
  }();
  return *f;
}

// The 2600-byte HCL report via the paravisor (3 NV_Read chunks + NV_ReadPublic + GetCapability);
// floor: a 2048-byte NV index read from a bare swtpm (2 chunks, same auxiliary commands).
void BM_Tpm_ReadHclReport(benchmark::State& state) {
  VtpmFixture& f = Vtpm();
  RunAgainstFloor(
      state, [&] { benchmark::DoNotOptimize(f.guest->ReadHclReport().ok()); },
      [&] { benchmark::DoNotOptimize(f.direct->NvRead(VtpmFixture::kDirectIndex).ok()); });
}
BENCHMARK(BM_Tpm_ReadHclReport)->Unit(benchmark::kMillisecond)->Iterations(300);

// A fresh HCL report for new user data (NV write, report regeneration in the paravisor, NV read);
// floor: the NV write and read on a bare swtpm.
void BM_Tpm_RequestFreshHclReport(benchmark::State& state) {
  VtpmFixture& f = Vtpm();
  uint8_t n = 0;
  RunAgainstFloor(
      state,
      [&] {
        Bytes ud(64, ++n);
        benchmark::DoNotOptimize(f.guest->RequestHclReport(ud).ok());
      },
      [&] {
        benchmark::DoNotOptimize(f.direct->NvWrite(VtpmFixture::kDirectIndex, Bytes(64, 1)).ok());
        benchmark::DoNotOptimize(f.direct->NvRead(VtpmFixture::kDirectIndex).ok());
      },
      20);
}
BENCHMARK(BM_Tpm_RequestFreshHclReport)->Unit(benchmark::kMillisecond)->Iterations(150);

// TPM2_Quote of PCRs 0-7 by the AK through the paravisor; floor: the same quote on a bare swtpm.
void BM_Tpm_QuotePcrs(benchmark::State& state) {
  VtpmFixture& f = Vtpm();
  RunAgainstFloor(
      state, [&] { benchmark::DoNotOptimize(f.guest->QuotePcrs(client::kAzurePcrs, {}).ok()); },
      [&] {
        benchmark::DoNotOptimize(f.direct->Quote(client::kAkHandle, client::kAzurePcrs, {}).ok());
      },
      20);
}
BENCHMARK(BM_Tpm_QuotePcrs)->Unit(benchmark::kMillisecond)->Iterations(300);

// Ephemeral key: trial PolicyPCR + CreatePrimary (RSA-2048 in the NULL hierarchy) + Certify +
// FlushContext through the paravisor; floor: the same commands on a bare swtpm.
void BM_Tpm_CreateEphemeralKey(benchmark::State& state) {
  VtpmFixture& f = Vtpm();
  RunAgainstFloor(
      state, [&] { benchmark::DoNotOptimize(f.guest->CreateEphemeralKey().ok()); },
      [&] {
        auto policy = f.direct->PolicyPcrDigest(client::kAzurePcrs);
        ESYS_TR h = ESYS_TR_NONE;
        auto pub = f.direct->CreatePrimary(tpm::Hierarchy::kNull,
                                           tpm::AzureEphemeralKeyTemplate(*policy), &h);
        benchmark::DoNotOptimize(f.direct->Certify(h, client::kAkHandle, {}).ok());
        (void)f.direct->FlushContext(h);
      },
      10);
}
BENCHMARK(BM_Tpm_CreateEphemeralKey)->Unit(benchmark::kMillisecond)->Iterations(30);

// Client unwrap of key_hsm in the TPM: PolicyPCR session + TPM2_RSA_Decrypt (OAEP-SHA-256) + RFC
// 5649 unwrap; floor: the policy session and RSA_Decrypt on a bare swtpm.
void BM_Tpm_UnwrapKeyHsm(benchmark::State& state) {
  VtpmFixture& f = Vtpm();
  auto key = f.guest->CreateEphemeralKey();
  Check(key.ok(), "ephemeral key");
  auto pub = crypto::RsaPublicKeyFromComponents((*key)->public_key().rsa_modulus, Bytes{1, 0, 1});
  WrapFixture& w = Wrap();
  auto blob = kv::WrapKeyHsm(w.material, *pub, "TpmEphemeralEncryptionKey",
                             kv::KeyWrapAlgorithm::kRsaAesKeyWrap256, w.transfer);
  Check(blob.ok(), "wrap");
  const std::string encoded = kv::EncodeKeyHsm(*blob);
  client::EphemeralKey* k = key->get();
  ESYS_TR direct_key = ESYS_TR_NONE;
  auto policy = f.direct->PolicyPcrDigest(client::kAzurePcrs);
  Check(f.direct
            ->CreatePrimary(tpm::Hierarchy::kNull, tpm::AzureEphemeralKeyTemplate(*policy),
                            &direct_key)
            .ok(),
        "direct key");
  const Bytes first = Bytes(blob->ciphertext.begin(), blob->ciphertext.begin() + 256);
  RunAgainstFloor(
      state,
      [&] {
        auto parsed = kv::ParseKeyHsm(encoded);
        benchmark::DoNotOptimize(kv::UnwrapKeyHsm(*parsed, 256, [k](crypto::HashAlg, ByteView ct) {
                                   return k->Decrypt(tpm::RsaDecryptScheme::kOaepSha256, ct);
                                 }).ok());
      },
      [&] {
        benchmark::DoNotOptimize(f.direct
                                     ->RsaDecrypt(direct_key, tpm::RsaDecryptScheme::kOaepSha256,
                                                  first, client::kAzurePcrs)
                                     .ok());
      },
      20);
  (void)f.direct->FlushContext(direct_key);
}
BENCHMARK(BM_Tpm_UnwrapKeyHsm)->Unit(benchmark::kMillisecond)->Iterations(100);

}  // namespace
}  // namespace skr::bench

BENCHMARK_MAIN();
