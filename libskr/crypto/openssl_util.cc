#include "libskr/crypto/openssl_util.h"

#include <openssl/err.h>

namespace skr::crypto {

std::string DrainOpenSslErrors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Error OpenSslError(ErrorCode code, std::string_view what) {
  std::string detail = DrainOpenSslErrors();
  return Error(code, detail.empty() ? std::string(what) : std::string(what) + ": " + detail);
}

BioPtr MemBio(ByteView data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

Bytes BioContents(BIO* bio) {
  char* p = nullptr;
  long n = BIO_get_mem_data(bio, &p);
  return Bytes(p, p + n);
}

BnPtr BytesToBn(ByteView be) {
  return BnPtr(BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr));
}

Bytes BnToBytes(const BIGNUM* bn, size_t width) {
  size_t n = static_cast<size_t>(BN_num_bytes(bn));
  Bytes out(std::max(n, width));
  BN_bn2binpad(bn, out.data(), static_cast<int>(out.size()));
  return out;
}

}  // namespace skr::crypto
