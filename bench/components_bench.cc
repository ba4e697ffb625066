// Stages that need the live emulated stack (bench/stack_fixture.h), each against its floor
// (bench/floor.h): evidence generation by the emulated hardware, mock-maa's AzureGuest
// verification and whole AzureGuest request, mock-kv's attestation-token verification with its
// JWKS cache, release-policy evaluation and release (wrap + JWS sign); then the throughput of
// mock-maa and mock-kv over loopback HTTPS with 1, 2, 4 and 8 concurrent clients.
#include <benchmark/benchmark.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "bench/floor.h"
#include "bench/in_process.h"
#include "bench/stack_fixture.h"
#include "libskr/crypto/aead.h"
#include "libskr/crypto/deterministic_signature.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/keys.h"
#include "libskr/crypto/keywrap.h"
#include "libskr/crypto/rsa_encrypt.h"
#include "libskr/crypto/signature.h"
#include "libskr/http/client.h"
#include "libskr/jose/jws.h"
#include "libskr/snp/verify.h"
#include "libskr/tdx/abi.h"
#include "libskr/tdx/verify.h"
#include "mock-kv/key_hsm.h"
#include "mock-kv/key_material.h"
#include "mock-maa/evidence.h"
#include "snp-tdx-emulator/hcl/hcl_generator.h"
#include "snp-tdx-emulator/intel/tdx_module.h"

namespace skr::bench {
namespace {

using emulator::cvm::CvmKind;
using nlohmann::json;

const crypto::PrivateKey& Rsa2048() {
  static const crypto::PrivateKey* k = new crypto::PrivateKey(*crypto::GenerateRsaKey(2048));
  return *k;
}

// ---- Evidence generation (the emulated hardware and paravisor) ----

emulator::HclGeneratorOptions GeneratorOptions(hcl::ReportType type,
                                               emulator::HardwareReportSigner signer) {
  emulator::HclGeneratorOptions g;
  g.report_type = type;
  g.ak_modulus = Bytes(256, 0xC1);
  g.ek_modulus = Bytes(256, 0xC3);
  g.vm.vm_unique_id = "00000000-0000-0000-0000-0000000000B2";
  g.signer = std::move(signer);
  return g;
}

// The paravisor's SEV-SNP HCL report for new user data: runtime claims JSON, SNP report signed by
// the VCEK (RFC 6979 ECDSA P-384), NV image. Floor: the SHA-256 of the claims and the ECDSA P-384
// signature over the 0x2A0 signed bytes.
void BM_Stage_SnpEvidenceGeneration(benchmark::State& state) {
  const emulator::amd::SnpFirmware* fw = Stack(CvmKind::kSnpMilan).stack->cvm(0).snp_firmware();
  Check(fw != nullptr, "SNP firmware");
  emulator::HclGeneratorOptions g =
      GeneratorOptions(hcl::ReportType::kSnp, fw->AsHardwareReportSigner());
  const Bytes user_data(64, 0x42);
  const Bytes claims = emulator::RuntimeClaimsJson(g, user_data);
  const Bytes signed_part(snp::kSignedSize, 0x17);
  const crypto::PrivateKey& vcek = fw->vcek().key;
  RunAgainstFloor(
      state, [&] { benchmark::DoNotOptimize(emulator::GenerateHclReport(g, user_data).ok()); },
      [&] {
        benchmark::DoNotOptimize(crypto::Sha256(claims));
        benchmark::DoNotOptimize(
            crypto::SignEcdsaP1363Deterministic(vcek, crypto::HashAlg::kSha384, signed_part).ok());
      });
}
BENCHMARK(BM_Stage_SnpEvidenceGeneration);

// The TDX side: HCL report with a TDREPORT from the TDX module (HMAC-SHA-256 MAC), then the TD
// quote from the QE (what IMDS /acc/tdquote returns: MAC check + ECDSA P-256 quote signature; the
// QE report and PCK chain are made once). Floor: SHA-256 of the claims, two HMAC-SHA-256 of the
// TDREPORT, one RFC 6979 ECDSA P-256 signature over the quote header and body.
void BM_Stage_TdxEvidenceGeneration(benchmark::State& state) {
  const emulator::intel::EmulatedTdxPlatform* tdx = Stack(CvmKind::kTdx).stack->cvm(0).tdx();
  Check(tdx != nullptr, "TDX platform");
  emulator::HclGeneratorOptions g = GeneratorOptions(hcl::ReportType::kTdx, tdx->TdReportSigner());
  const Bytes user_data(64, 0x42);
  const Bytes claims = emulator::RuntimeClaimsJson(g, user_data);
  auto td_report = tdx->module().Report(Bytes(64, 0));
  Check(td_report.ok(), "TDREPORT");
  const Bytes mac_key(32, 0x33);
  const Bytes quote_message(48 + 584, 0x21);  // v4 header + TDX 1.0 body
  const crypto::PrivateKey& p256 = tdx->pki().pck_key;
  RunAgainstFloor(
      state,
      [&] {
        auto nv = emulator::GenerateHclReport(g, user_data);
        auto report = hcl::ParseHclReport(*nv);
        benchmark::DoNotOptimize(tdx->QuoteTdReport(report->HardwareReport()).ok());
      },
      [&] {
        benchmark::DoNotOptimize(crypto::Sha256(claims));
        benchmark::DoNotOptimize(emulator::intel::EmulatedReportMac(mac_key, *td_report).ok());
        benchmark::DoNotOptimize(emulator::intel::EmulatedReportMac(mac_key, *td_report).ok());
        benchmark::DoNotOptimize(
            crypto::SignEcdsaP1363Deterministic(p256, crypto::HashAlg::kSha256, quote_message)
                .ok());
      });
}
BENCHMARK(BM_Stage_TdxEvidenceGeneration);

// ---- mock-maa: AzureGuest ----

mock_maa::EvidenceContext ContextFor(StackFixture& f) {
  emulator::cvm::EmulatedCvm& cvm = f.stack->cvm(0);
  mock_maa::EvidenceContext ctx;
  ctx.now = f.stack->Now();
  (emulator::cvm::IsSnp(f.kind) ? ctx.amd_roots : ctx.intel_roots).push_back(cvm.platform_root());
  ctx.aik_roots = {cvm.vtpm_ca().root(), cvm.vtpm_ca().intermediate()};
  ctx.compliance_status = "azure-compliant-cvm";
  return ctx;
}

// What verifying an AzureGuest request cannot avoid: the AIK certificate and its issuing CA
// (2 x RSA-2048 PKCS#1), the PCR quote and the ephemeral key's certification by the AIK
// (2 x RSA-2048 PKCS#1), the hardware evidence (SNP: ECDSA P-384 report + 2 x RSA-4096 PSS chain;
// TDX: PCK leaf and CA, QE report, quote: 4 x ECDSA P-256, + SHA-256 of the QE binding) and the
// SHA-256 of the runtime claims against REPORT_DATA.
std::function<void()> AzureGuestVerifyFloor(StackFixture& f) {
  struct Parts {
    std::vector<x509::Certificate> tpm;  // AIK, issuing CA, root
    std::optional<crypto::PublicKey> ak;
    Bytes quote, quote_sig, certify, certify_sig, runtime;
    // SNP
    Bytes snp_report;
    std::vector<x509::Certificate> amd;  // ARK, ASK, VCEK
    // TDX
    std::optional<tdx::TdQuote> td;
    std::optional<tdx::PckChain> pck;
    Bytes td_message;
  };
  auto p = std::make_shared<Parts>();
  emulator::cvm::EmulatedCvm& cvm = f.stack->cvm(0);
  const maa::TpmInfo& t = f.info.tpm;
  auto aik = x509::CertificateFromDer(t.aik_cert);
  Check(aik.ok(), "AIK certificate");
  p->tpm = {*aik, cvm.vtpm_ca().intermediate(), cvm.vtpm_ca().root()};
  p->ak = aik->public_key();
  p->quote = t.pcr_quote;
  p->quote_sig = t.pcr_signature;
  p->certify = t.enc_key_certify_info;
  p->certify_sig = t.enc_key_certify_info_signature;
  p->runtime = f.info.isolation.runtime_data;
  if (emulator::cvm::IsSnp(f.kind)) {
    p->snp_report = f.info.isolation.snp_report;
    p->amd = cvm.platform_chain();
  } else {
    auto q = tdx::ParseTdQuote(f.info.isolation.td_quote);
    Check(q.ok(), "TD quote");
    p->td = *q;
    auto chain = tdx::ParsePckChain(q->signature_data.qe_cert_data.pck_chain_pem);
    Check(chain.ok(), "PCK chain");
    p->pck = *chain;
    p->td_message = *tdx::QuoteSignedMessage(*q);
  }
  return [p] {
    const crypto::PublicKey ca_key = p->tpm[1].public_key();
    const crypto::PublicKey root_key = p->tpm[2].public_key();
    benchmark::DoNotOptimize(X509_verify(p->tpm[0].x509(), ca_key.evp()));
    benchmark::DoNotOptimize(X509_verify(p->tpm[1].x509(), root_key.evp()));
    benchmark::DoNotOptimize(
        crypto::VerifyRsaPkcs1(*p->ak, crypto::HashAlg::kSha256, p->quote, p->quote_sig).ok());
    benchmark::DoNotOptimize(
        crypto::VerifyRsaPkcs1(*p->ak, crypto::HashAlg::kSha256, p->certify, p->certify_sig).ok());
    benchmark::DoNotOptimize(crypto::Sha256(p->runtime));
    if (!p->amd.empty()) {
      const crypto::PublicKey ark = p->amd[0].public_key();
      const crypto::PublicKey ask = p->amd[1].public_key();
      const crypto::PublicKey vcek = p->amd[2].public_key();
      benchmark::DoNotOptimize(snp::VerifyReportSignature(p->snp_report, vcek).ok());
      benchmark::DoNotOptimize(X509_verify(p->amd[2].x509(), ask.evp()));
      benchmark::DoNotOptimize(X509_verify(p->amd[1].x509(), ark.evp()));
    } else {
      const crypto::PublicKey pck_ca = p->pck->intermediate.public_key();
      const crypto::PublicKey intel_root = p->pck->root.public_key();
      const auto& sig = p->td->signature_data;
      benchmark::DoNotOptimize(X509_verify(p->pck->leaf.x509(), pck_ca.evp()));
      benchmark::DoNotOptimize(X509_verify(p->pck->intermediate.x509(), intel_root.evp()));
      benchmark::DoNotOptimize(tdx::VerifyQeReportSignature(sig.qe_cert_data, p->pck->leaf).ok());
      benchmark::DoNotOptimize(tdx::VerifyQuoteSignature(sig, p->td_message).ok());
      benchmark::DoNotOptimize(crypto::Sha256(sig.attestation_key));
    }
  };
}

// mock-maa's AzureGuest verification without token issue: request JSON parse +
// AzureGuestRequestClaims (AIK chain, PCR quote, certify, hardware evidence, HCL binding,
// claims). Floor: AzureGuestVerifyFloor.
void RunAzureGuestVerify(benchmark::State& state, CvmKind kind) {
  StackFixture& f = Stack(kind);
  const mock_maa::EvidenceContext ctx = ContextFor(f);
  {
    json req = json::parse(f.azure_guest_body);
    auto r = mock_maa::AzureGuestRequestClaims(req, ctx);
    Check(r.ok(), "AzureGuest verifies: " + (r.ok() ? "" : r.error().ToString()));
  }
  RunAgainstFloor(
      state,
      [&] {
        json req = json::parse(f.azure_guest_body, nullptr, false);
        benchmark::DoNotOptimize(mock_maa::AzureGuestRequestClaims(req, ctx).ok());
      },
      AzureGuestVerifyFloor(f), 20);
  // Where the time goes (each part alone, the same public calls the verifier makes).
  state.counters["body_parse_us"] = MeasureMicros(
      [&] { benchmark::DoNotOptimize(json::parse(f.azure_guest_body, nullptr, false).size()); });
  auto aik = x509::CertificateFromDer(f.info.tpm.aik_cert);
  const std::vector<x509::Certificate> inter = {ctx.aik_roots[1]}, roots = {ctx.aik_roots[0]};
  state.counters["aik_chain_us"] = MeasureMicros(
      [&] { benchmark::DoNotOptimize(x509::VerifyChain(*aik, inter, roots, ctx.now).ok()); });
  if (emulator::cvm::IsSnp(kind)) {
    std::vector<x509::Certificate> amd = f.stack->cvm(0).platform_chain();
    const std::vector<x509::Certificate> bundle = {amd[0], amd[1]};
    auto chain = snp::ChainFromBundle(amd[2], bundle);
    Check(chain.ok(), "SNP chain");
    snp::VerifyOptions o;
    o.trusted_roots = {amd[0]};
    o.time = ctx.now;
    state.counters["hw_verify_us"] = MeasureMicros([&] {
      benchmark::DoNotOptimize(snp::VerifyAttestation(f.info.isolation.snp_report, *chain, o).ok());
    });
    state.counters["pem_parse_us"] = MeasureMicros([&] {
      benchmark::DoNotOptimize(x509::CertificatesFromPem(f.info.isolation.vcek_cert_chain).ok());
    });
  } else {
    tdx::VerifyOptions o;
    o.trusted_roots = ctx.intel_roots;
    o.time = ctx.now;
    state.counters["hw_verify_us"] = MeasureMicros(
        [&] { benchmark::DoNotOptimize(tdx::VerifyQuote(f.info.isolation.td_quote, o).ok()); });
    auto q = tdx::ParseTdQuote(f.info.isolation.td_quote);
    Check(q.ok(), "TD quote");
    state.counters["pem_parse_us"] = MeasureMicros([&] {
      benchmark::DoNotOptimize(
          tdx::ParsePckChain(q->signature_data.qe_cert_data.pck_chain_pem).ok());
    });
  }
}
void BM_Stage_AzureGuestVerify_SevSnp(benchmark::State& state) {
  RunAzureGuestVerify(state, CvmKind::kSnpMilan);
}
BENCHMARK(BM_Stage_AzureGuestVerify_SevSnp);
void BM_Stage_AzureGuestVerify_Tdx(benchmark::State& state) {
  RunAzureGuestVerify(state, CvmKind::kTdx);
}
BENCHMARK(BM_Stage_AzureGuestVerify_Tdx);

// The whole POST /attest/AzureGuest in mock-maa (AttestationService::Handle, no HTTP):
// verification, policy, claims, RS256 token, sealing to the ephemeral key. Floor: the
// verification floor + RSA-2048 PKCS#1 signature of the token + RSAES-PKCS1 encryption of the
// AES key + AES-256-GCM over the token.
void BM_Stage_MaaAzureGuestRequest(benchmark::State& state) {
  StackFixture& f = Stack(CvmKind::kSnpMilan);
  mock_maa::AttestationService& maa = f.stack->maa().service();
  auto verify_floor = AzureGuestVerifyFloor(f);
  const std::string token = f.maa_token;
  auto enc_key = f.ephemeral_key->public_key();
  auto pub = crypto::RsaPublicKeyFromComponents(enc_key.rsa_modulus, Bytes{1, 0, 1});
  Check(pub.ok(), "ephemeral public key");
  const Bytes aes(32, 0x11), iv(12, 0x22);
  auto jws = jose::ParseCompactJws(token);
  Check(jws.ok(), "token");
  RunAgainstFloor(
      state,
      [&] {
        benchmark::DoNotOptimize(maa.Handle("POST", kAzureGuestTarget, f.azure_guest_body).status);
      },
      [&] {
        verify_floor();
        benchmark::DoNotOptimize(
            crypto::SignRsaPkcs1(Rsa2048(), crypto::HashAlg::kSha256, AsBytes(jws->signing_input))
                .ok());
        benchmark::DoNotOptimize(crypto::RsaPkcs1Encrypt(*pub, aes).ok());
        benchmark::DoNotOptimize(
            crypto::AesGcmEncrypt(aes, iv, AsBytes(token), AsBytes("Transport Key")).ok());
      },
      20);
}
BENCHMARK(BM_Stage_MaaAzureGuestRequest);

// ---- mock-kv ----

// The vault's check of the release target (VerifyAttestationToken with its JWKS cache warm): JWS
// parse, kid lookup, RS256 verify, issuer and time checks. Floor: the RSA-2048 PKCS#1 verify.
void BM_Stage_VaultTokenVerify(benchmark::State& state) {
  StackFixture& f = Stack(CvmKind::kSnpMilan);
  const int64_t now = f.stack->Now();
  auto jws = jose::ParseCompactJws(f.maa_token);
  Check(jws.ok(), "MAA token");
  auto jwks = f.jwks_cache->Get(f.vault.attestation.trusted_issuers[0],
                                jws->header.value("kid", ""), f.vault.attestation.ca_bundle_pem);
  Check(jwks.ok(), "JWKS");
  auto jwk = jwks->FindByKid(jws->header.value("kid", ""));
  Check(jwk.ok(), "kid");
  auto pub = jwk->ToPublicKey();
  Check(pub.ok(), "MAA key");
  RunAgainstFloor(
      state,
      [&] {
        benchmark::DoNotOptimize(mock_kv::VerifyAttestationToken(f.maa_token, f.vault.attestation,
                                                                 now, f.jwks_cache.get())
                                     .ok());
      },
      [&] {
        benchmark::DoNotOptimize(crypto::VerifyRsaPkcs1(*pub, crypto::HashAlg::kSha256,
                                                        AsBytes(jws->signing_input), jws->signature)
                                     .ok());
      });
  state.counters["claims_parse_us"] = MeasureMicros([&] {
    benchmark::DoNotOptimize(json::parse(AsString(jws->payload), nullptr, false).size());
  });
  state.counters["jwks_get_us"] = MeasureMicros([&] {
    benchmark::DoNotOptimize(f.jwks_cache
                                 ->Get(f.vault.attestation.trusted_issuers[0],
                                       jws->header.value("kid", ""),
                                       f.vault.attestation.ca_bundle_pem)
                                 .ok());
  });
  state.counters["jwk_to_key_us"] =
      MeasureMicros([&] { benchmark::DoNotOptimize(jwk->ToPublicKey().ok()); });
}
BENCHMARK(BM_Stage_VaultTokenVerify);

// Release policy evaluation as the vault does it at each release: parse the stored canonical
// policy, then evaluate it on the verified claims of a real AzureGuest token. There is no
// primitive to fall back on, so the floor is the three claim look-ups and comparisons the policy
// asks for, written out by hand. Counter eval_us: evaluation of an already parsed policy.
void BM_Stage_ReleasePolicyEvaluation(benchmark::State& state) {
  StackFixture& f = Stack(CvmKind::kSnpMilan);
  const json& claims = f.maa_claims;
  const std::string issuer = claims.value("iss", "");
  auto parsed = mock_kv::ParseReleasePolicy(f.vault.policy_canonical_json);
  Check(parsed.ok(), "policy");
  Check(mock_kv::EvaluateReleasePolicy(*parsed, issuer, claims).allowed, "policy allows");
  const std::string authority = f.vault.attestation.trusted_issuers[0];
  RunAgainstFloor(
      state,
      [&] {
        auto p = mock_kv::ParseReleasePolicy(f.vault.policy_canonical_json);
        benchmark::DoNotOptimize(mock_kv::EvaluateReleasePolicy(*p, issuer, claims).allowed);
      },
      [&] {
        const json& tee = claims["x-ms-isolation-tee"];
        bool ok = issuer == authority && tee["x-ms-attestation-type"] == "sevsnpvm" &&
                  tee["x-ms-compliance-status"] == "azure-compliant-cvm" &&
                  tee["x-ms-sevsnpvm-is-debuggable"] == false;
        benchmark::DoNotOptimize(ok);
      },
      1000);
  state.counters["eval_us"] = MeasureMicros(
      [&] {
        benchmark::DoNotOptimize(mock_kv::EvaluateReleasePolicy(*parsed, issuer, claims).allowed);
      },
      1000);
}
BENCHMARK(BM_Stage_ReleasePolicyEvaluation);

// The vault's release once the policy passed: runtime key from x-ms-runtime.keys, key_hsm
// (OAEP-SHA-256 of a fresh AES key to the TPM key + RFC 5649 wrap of the RSA-2048 key), public
// JWK, response payload, RS256 JWS with x5c. Floor: the OAEP encryption, the AES-KWP wrap, 32
// random bytes and the RSA-2048 PKCS#1 signature over a signing input of the same size.
void BM_Stage_KeyReleaseWrapAndSign(benchmark::State& state) {
  StackFixture& f = Stack(CvmKind::kSnpMilan);
  const json& claims = f.maa_claims;
  auto runtime = mock_kv::SelectRuntimeKey(claims);
  Check(runtime.ok(), "runtime key");
  auto sample = WrapAndSign(f, claims, kv::KeyWrapAlgorithm::kRsaAesKeyWrap256, std::nullopt);
  Check(sample.ok(), "release JWS");
  auto jws = jose::ParseCompactJws(*sample);
  Check(jws.ok(), "release JWS parses");
  const std::string signing_input = jws->signing_input;
  const Bytes transfer(32, 0x5C);
  crypto::OaepParams oaep;
  RunAgainstFloor(
      state,
      [&] {
        benchmark::DoNotOptimize(
            WrapAndSign(f, claims, kv::KeyWrapAlgorithm::kRsaAesKeyWrap256, std::nullopt).ok());
      },
      [&] {
        benchmark::DoNotOptimize(crypto::RandomBytes(32));
        benchmark::DoNotOptimize(crypto::RsaOaepEncrypt(runtime->key, oaep, transfer).ok());
        benchmark::DoNotOptimize(crypto::AesKeyWrapPad(transfer, f.vault.material).ok());
        benchmark::DoNotOptimize(
            crypto::SignRsaPkcs1(Rsa2048(), crypto::HashAlg::kSha256, AsBytes(signing_input)).ok());
      });
  state.counters["runtime_key_us"] =
      MeasureMicros([&] { benchmark::DoNotOptimize(mock_kv::SelectRuntimeKey(claims).ok()); });
  state.counters["public_jwk_us"] = MeasureMicros([&] {
    benchmark::DoNotOptimize(mock_kv::PublicJwk(f.vault.kid, f.vault.kty,
                                                mock_kv::DefaultKeyOps(f.vault.kty),
                                                f.vault.material)
                                 .ok());
  });
  const auto payload = nlohmann::ordered_json::parse(AsString(jws->payload));
  state.counters["jws_sign_us"] =
      MeasureMicros([&] { benchmark::DoNotOptimize(VaultSigner(f).Sign(payload).ok()); });
}
BENCHMARK(BM_Stage_KeyReleaseWrapAndSign);

// The vault's whole release handler in-process (bench/in_process.h InProcessRelease: bearer,
// request, token with JWKS cache, policy, wrap + sign). Floor: Entra bearer RS256 verify + MAA
// token RS256 verify + the wrap-and-sign floor.
void BM_Stage_VaultReleaseHandler(benchmark::State& state) {
  StackFixture& f = Stack(CvmKind::kSnpMilan);
  const int64_t now = f.stack->Now();
  const std::string auth = "Bearer " + f.bearer_token;
  const std::string body = kv::EncodeReleaseRequest(
      {f.maa_token, std::nullopt, kv::KeyWrapAlgorithm::kRsaAesKeyWrap256});
  Check(InProcessRelease(f, auth, body, now).ok(), "in-process release");
  auto runtime = mock_kv::SelectRuntimeKey(f.maa_claims);
  auto maa_jws = jose::ParseCompactJws(f.maa_token);
  auto entra_jws = jose::ParseCompactJws(f.bearer_token);
  Check(runtime.ok() && maa_jws.ok() && entra_jws.ok(), "parts");
  auto maa_sig =
      crypto::SignRsaPkcs1(Rsa2048(), crypto::HashAlg::kSha256, AsBytes(maa_jws->signing_input));
  auto entra_sig =
      crypto::SignRsaPkcs1(Rsa2048(), crypto::HashAlg::kSha256, AsBytes(entra_jws->signing_input));
  const crypto::PublicKey pub = Rsa2048().public_key();
  const Bytes transfer(32, 0x5C);
  const std::string sample_input(1800, 'x');
  crypto::OaepParams oaep;
  RunAgainstFloor(
      state, [&] { benchmark::DoNotOptimize(InProcessRelease(f, auth, body, now).ok()); },
      [&] {
        benchmark::DoNotOptimize(crypto::VerifyRsaPkcs1(pub, crypto::HashAlg::kSha256,
                                                        AsBytes(entra_jws->signing_input),
                                                        *entra_sig)
                                     .ok());
        benchmark::DoNotOptimize(crypto::VerifyRsaPkcs1(pub, crypto::HashAlg::kSha256,
                                                        AsBytes(maa_jws->signing_input), *maa_sig)
                                     .ok());
        benchmark::DoNotOptimize(crypto::RandomBytes(32));
        benchmark::DoNotOptimize(crypto::RsaOaepEncrypt(runtime->key, oaep, transfer).ok());
        benchmark::DoNotOptimize(crypto::AesKeyWrapPad(transfer, f.vault.material).ok());
        benchmark::DoNotOptimize(
            crypto::SignRsaPkcs1(Rsa2048(), crypto::HashAlg::kSha256, AsBytes(sample_input)).ok());
      });
}
BENCHMARK(BM_Stage_VaultReleaseHandler);

// ---- Transport ----

// One HTTPS request to mock-maa on loopback (GET /certs: a new TCP + TLS connection, request,
// response) against the same request handled in-process (AttestationService::Handle): what the
// transport adds to every service call of the end-to-end flow.
void BM_Transport_MaaHttpsGetCerts(benchmark::State& state) {
  StackFixture& f = Stack(CvmKind::kSnpMilan);
  auto c = http::Client::Create(f.stack->maa().url(), f.stack->maa_ca_pem());
  Check(c.ok(), "MAA client");
  const http::Client client = *c;
  mock_maa::AttestationService& maa = f.stack->maa().service();
  RunAgainstFloor(
      state,
      [&] {
        auto r = client.Get("/certs");
        benchmark::DoNotOptimize(r.ok() && r->status == 200);
      },
      [&] { benchmark::DoNotOptimize(maa.Handle("GET", "/certs", "").status); }, 200);
}
BENCHMARK(BM_Transport_MaaHttpsGetCerts)->Unit(benchmark::kMillisecond);

// The same round trip over plain HTTP (IMDS, GET a compute leaf): separates the TLS part (client
// SSL context + CA store per request, handshake) from TCP and HTTP framing. No floor: reported for
// comparison with BM_Transport_MaaHttpsGetCerts.
void BM_Transport_ImdsHttpGet(benchmark::State& state) {
  StackFixture& f = Stack(CvmKind::kSnpMilan);
  auto c = http::Client::Create(f.stack->cvm(0).imds_url());
  Check(c.ok(), "IMDS client");
  const http::Client client = *c;
  const http::Headers h = {{"Metadata", "true"}};
  for (auto _ : state) {
    auto r = client.Get("/metadata/instance/compute/vmId?api-version=2021-02-01&format=text", h);
    if (!r.ok() || r->status != 200) {
      state.SkipWithError("IMDS GET failed");
      return;
    }
  }
}
BENCHMARK(BM_Transport_ImdsHttpGet)->Unit(benchmark::kMillisecond);

// ---- Throughput over loopback HTTPS ----

// Each of `clients` threads sends requests back to back for `seconds` (each request opens its own
// TLS connection, as skr::http::Client does); latencies are pooled.
struct LoadResult {
  std::vector<double> latencies_ms;
  int64_t errors = 0;
  double seconds = 0;
};

LoadResult RunLoad(int clients, double seconds, const std::function<bool()>& request) {
  using Clock = std::chrono::steady_clock;
  std::vector<std::vector<double>> per(clients);
  std::atomic<int64_t> errors{0};
  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      while (Clock::now() < deadline) {
        auto t0 = Clock::now();
        bool ok = request();
        auto t1 = Clock::now();
        if (!ok) {
          ++errors;
          continue;
        }
        per[c].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  LoadResult r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& v : per) r.latencies_ms.insert(r.latencies_ms.end(), v.begin(), v.end());
  r.errors = errors.load();
  return r;
}

double Percentile(std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

double LoadSeconds() {
  const char* s = std::getenv("SKR_BENCH_LOAD_SECONDS");
  double v = s ? std::atof(s) : 0;
  return v > 0 ? v : 3.0;
}

void RunThroughput(benchmark::State& state, const std::function<bool()>& request) {
  const int clients = static_cast<int>(state.range(0));
  for (int i = 0; i < clients; ++i) request();  // warm-up (server threads, caches)
  for (auto _ : state) {
    LoadResult r = RunLoad(clients, LoadSeconds(), request);
    state.SetIterationTime(r.seconds);
    std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
    state.counters["req_per_s"] = static_cast<double>(r.latencies_ms.size()) / r.seconds;
    state.counters["p50_ms"] = Percentile(r.latencies_ms, 0.50);
    state.counters["p90_ms"] = Percentile(r.latencies_ms, 0.90);
    state.counters["p99_ms"] = Percentile(r.latencies_ms, 0.99);
    state.counters["requests"] = static_cast<double>(r.latencies_ms.size());
    state.counters["errors"] = static_cast<double>(r.errors);
  }
}

// 1, 2, 4 and 8 concurrent clients; RunThroughput times the whole load itself (manual time).
void ThroughputClients(benchmark::internal::Benchmark* b) {
  b->ArgName("clients")->Arg(1)->Arg(2)->Arg(4)->Arg(8);
  b->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
}

// mock-maa: POST /attest/AzureGuest with the captured SNP AzureGuest request (verification, token,
// sealing per request).
void BM_Throughput_MaaAzureGuest(benchmark::State& state) {
  StackFixture& f = Stack(CvmKind::kSnpMilan);
  auto c = http::Client::Create(f.stack->maa().url(), f.stack->maa_ca_pem());
  Check(c.ok(), "MAA client");
  const http::Client client = *c;
  RunThroughput(state, [&] {
    auto r = client.Post(kAzureGuestTarget, {}, f.azure_guest_body);
    return r.ok() && r->status == 200;
  });
}
BENCHMARK(BM_Throughput_MaaAzureGuest)->Apply(ThroughputClients);

// mock-kv: POST /keys/bench-key/release with the Entra bearer token and the MAA token (bearer
// verify, token verify with the JWKS cache, policy, wrap, JWS per request).
void BM_Throughput_KvRelease(benchmark::State& state) {
  StackFixture& f = Stack(CvmKind::kSnpMilan);
  auto c = http::Client::Create(f.stack->vault().url(), f.stack->kv_ca_pem());
  Check(c.ok(), "vault client");
  const http::Client client = *c;
  const std::string path = "/keys/" + f.vault.key_name + "/release?api-version=7.4";
  const http::Headers headers = {{"Authorization", "Bearer " + f.bearer_token}};
  const std::string body = kv::EncodeReleaseRequest(
      {f.maa_token, std::nullopt, kv::KeyWrapAlgorithm::kRsaAesKeyWrap256});
  RunThroughput(state, [&] {
    auto r = client.Post(path, headers, body);
    return r.ok() && r->status == 200;
  });
}
BENCHMARK(BM_Throughput_KvRelease)->Apply(ThroughputClients);

}  // namespace
}  // namespace skr::bench
