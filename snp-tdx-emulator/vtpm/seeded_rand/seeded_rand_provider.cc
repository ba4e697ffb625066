// skr_seeded_rand: an OpenSSL 3 provider with one RAND algorithm, "SKR-SEEDED", that the emulator
// loads into its swtpm processes only (OPENSSL_CONF in the child's environment, see
// swtpm_process.cc). libtpms draws all TPM entropy through RAND_bytes (_plat__GetEntropy in
// libtpms src/tpm2/Entropy.c), so with this provider the TPM's manufacture-time seeds (EPS, SPS,
// PPS), hence its EK and AK, and the NULL seed drawn at each Startup follow from the emulator's
// --seed, as the emulator's AMD and Intel keys do. Real hardware fills these from a physical RNG;
// an emulator that must be reproducible cannot.
//
// Output: the ChaCha20 keystream (RFC 8439 section 2.3 block function, 64-bit counter, zero
// nonce) under the 32-byte key in SKR_SWTPM_ENTROPY_KEY (64 hex digits). One stream per process,
// shared by OpenSSL's primary/public/private DRBG instances, so the bytes depend only on the order
// of requests (swtpm serves TPM commands on one thread). Never use this outside an emulator.
#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace {

constexpr char kKeyVariable[] = "SKR_SWTPM_ENTROPY_KEY";
constexpr size_t kMaxRequest = 1 << 16;
constexpr unsigned int kStrength = 256;

uint32_t Rotl(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

void QuarterRound(uint32_t* x, int a, int b, int c, int d) {
  x[a] += x[b];
  x[d] = Rotl(x[d] ^ x[a], 16);
  x[c] += x[d];
  x[b] = Rotl(x[b] ^ x[c], 12);
  x[a] += x[b];
  x[d] = Rotl(x[d] ^ x[a], 8);
  x[c] += x[d];
  x[b] = Rotl(x[b] ^ x[c], 7);
}

class KeyStream {
 public:
  bool SetKeyFromHex(const char* hex) {
    if (hex == nullptr || std::strlen(hex) != 64) return false;
    uint8_t key[32];
    for (int i = 0; i < 32; ++i) {
      int hi = Nibble(hex[2 * i]), lo = Nibble(hex[2 * i + 1]);
      if (hi < 0 || lo < 0) return false;
      key[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    for (int i = 0; i < 8; ++i) {
      key_[i] = uint32_t{key[4 * i]} | uint32_t{key[4 * i + 1]} << 8 |
                uint32_t{key[4 * i + 2]} << 16 | uint32_t{key[4 * i + 3]} << 24;
    }
    return true;
  }

  void Generate(unsigned char* out, size_t len) {
    std::lock_guard<std::mutex> lock(mu_);
    while (len > 0) {
      if (used_ == sizeof(block_)) NextBlock();
      size_t n = sizeof(block_) - used_;
      if (n > len) n = len;
      std::memcpy(out, block_ + used_, n);
      used_ += n;
      out += n;
      len -= n;
    }
  }

 private:
  static int Nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  void NextBlock() {
    uint32_t s[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};  // "expand 32-byte k"
    for (int i = 0; i < 8; ++i) s[4 + i] = key_[i];
    s[12] = static_cast<uint32_t>(counter_);
    s[13] = static_cast<uint32_t>(counter_ >> 32);
    ++counter_;
    uint32_t x[16];
    std::memcpy(x, s, sizeof(x));
    for (int i = 0; i < 10; ++i) {
      QuarterRound(x, 0, 4, 8, 12);
      QuarterRound(x, 1, 5, 9, 13);
      QuarterRound(x, 2, 6, 10, 14);
      QuarterRound(x, 3, 7, 11, 15);
      QuarterRound(x, 0, 5, 10, 15);
      QuarterRound(x, 1, 6, 11, 12);
      QuarterRound(x, 2, 7, 8, 13);
      QuarterRound(x, 3, 4, 9, 14);
    }
    for (int i = 0; i < 16; ++i) {
      const uint32_t v = x[i] + s[i];
      block_[4 * i] = static_cast<uint8_t>(v);
      block_[4 * i + 1] = static_cast<uint8_t>(v >> 8);
      block_[4 * i + 2] = static_cast<uint8_t>(v >> 16);
      block_[4 * i + 3] = static_cast<uint8_t>(v >> 24);
    }
    used_ = 0;
  }

  std::mutex mu_;
  uint32_t key_[8] = {};
  uint64_t counter_ = 0;
  uint8_t block_[64] = {};
  size_t used_ = sizeof(block_);
};

KeyStream g_stream;

// One per DRBG instance OpenSSL creates; the lock is the instance's (EVP_RAND_enable_locking).
struct RandContext {
  std::mutex mu;
  int state = EVP_RAND_STATE_UNINITIALISED;
};

void* NewContext(void* /*provctx*/, void* /*parent*/, const OSSL_DISPATCH* /*parent_calls*/) {
  return new RandContext();
}

void FreeContext(void* ctx) { delete static_cast<RandContext*>(ctx); }

int Instantiate(void* ctx, unsigned int /*strength*/, int /*prediction_resistance*/,
                const unsigned char* /*pstr*/, size_t /*pstr_len*/, const OSSL_PARAM* /*params*/) {
  static_cast<RandContext*>(ctx)->state = EVP_RAND_STATE_READY;
  return 1;
}

int Uninstantiate(void* ctx) {
  static_cast<RandContext*>(ctx)->state = EVP_RAND_STATE_UNINITIALISED;
  return 1;
}

// Additional input and prediction-resistance requests are ignored on purpose: either would make
// the output depend on something other than the seed.
int Generate(void* /*ctx*/, unsigned char* out, size_t outlen, unsigned int strength,
             int /*prediction_resistance*/, const unsigned char* /*addin*/, size_t /*addin_len*/) {
  if (strength > kStrength) return 0;
  g_stream.Generate(out, outlen);
  return 1;
}

int Reseed(void* /*ctx*/, int /*prediction_resistance*/, const unsigned char* /*entropy*/,
           size_t /*entropy_len*/, const unsigned char* /*addin*/, size_t /*addin_len*/) {
  return 1;
}

int EnableLocking(void* /*ctx*/) { return 1; }

int Lock(void* ctx) {
  static_cast<RandContext*>(ctx)->mu.lock();
  return 1;
}

void Unlock(void* ctx) { static_cast<RandContext*>(ctx)->mu.unlock(); }

const OSSL_PARAM* GettableContextParams(void* /*ctx*/, void* /*provctx*/) {
  static const OSSL_PARAM kParams[] = {
      OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, nullptr),
      OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, nullptr),
      OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, nullptr),
      OSSL_PARAM_END,
  };
  return kParams;
}

int GetContextParams(void* ctx, OSSL_PARAM* params) {
  OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE);
  if (p != nullptr && !OSSL_PARAM_set_int(p, static_cast<RandContext*>(ctx)->state)) return 0;
  p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH);
  if (p != nullptr && !OSSL_PARAM_set_uint(p, kStrength)) return 0;
  p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST);
  if (p != nullptr && !OSSL_PARAM_set_size_t(p, kMaxRequest)) return 0;
  return 1;
}

template <typename F>
void (*Fn(F f))(void) {
  return reinterpret_cast<void (*)(void)>(f);
}

const OSSL_DISPATCH kRandFunctions[] = {
    {OSSL_FUNC_RAND_NEWCTX, Fn(&NewContext)},
    {OSSL_FUNC_RAND_FREECTX, Fn(&FreeContext)},
    {OSSL_FUNC_RAND_INSTANTIATE, Fn(&Instantiate)},
    {OSSL_FUNC_RAND_UNINSTANTIATE, Fn(&Uninstantiate)},
    {OSSL_FUNC_RAND_GENERATE, Fn(&Generate)},
    {OSSL_FUNC_RAND_RESEED, Fn(&Reseed)},
    {OSSL_FUNC_RAND_ENABLE_LOCKING, Fn(&EnableLocking)},
    {OSSL_FUNC_RAND_LOCK, Fn(&Lock)},
    {OSSL_FUNC_RAND_UNLOCK, Fn(&Unlock)},
    {OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS, Fn(&GettableContextParams)},
    {OSSL_FUNC_RAND_GET_CTX_PARAMS, Fn(&GetContextParams)},
    {0, nullptr},
};

const OSSL_ALGORITHM kRandAlgorithms[] = {
    {"SKR-SEEDED", "provider=skr-seeded", kRandFunctions, "emulator-only seeded entropy"},
    {nullptr, nullptr, nullptr, nullptr},
};

const OSSL_ALGORITHM* QueryOperation(void* /*provctx*/, int operation_id, int* no_cache) {
  *no_cache = 0;
  return operation_id == OSSL_OP_RAND ? kRandAlgorithms : nullptr;
}

const OSSL_DISPATCH kProviderFunctions[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, Fn(&QueryOperation)},
    {0, nullptr},
};

}  // namespace

extern "C" __attribute__((visibility("default"))) int OSSL_provider_init(
    const OSSL_CORE_HANDLE* /*handle*/, const OSSL_DISPATCH* /*in*/, const OSSL_DISPATCH** out,
    void** provctx) {
  if (!g_stream.SetKeyFromHex(std::getenv(kKeyVariable))) {
    std::fprintf(stderr,
                 "skr_seeded_rand: %s must hold 64 hex digits (the emulator sets it when it starts "
                 "swtpm); refusing to provide entropy\n",
                 kKeyVariable);
    return 0;
  }
  *out = kProviderFunctions;
  *provctx = &g_stream;
  return 1;
}
