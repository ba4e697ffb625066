#include "libskr/tpm/attest.h"

#include <openssl/rsa.h>

#include <cstdio>

#include "libskr/crypto/signature.h"
#include "libskr/tpm/internal.h"
#include "libskr/tpm/public.h"

namespace skr::tpm {
namespace {

using internal::Hex16;
using internal::TakeBounded2B;

constexpr size_t kMaxRsaSigBytes = 512;
constexpr size_t kMaxEccParamBytes = 128;

std::string Hex32(uint32_t v) {
  char buf[12];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

Result<void> CheckDone(const ByteReader& r, std::string_view what) {
  if (r.remaining() == 0) return Ok();
  return r.MalformedAt(
      r.position(), "end",
      std::to_string(r.remaining()) + " trailing bytes after " + std::string(what));
}

Result<void> Put2B(ByteWriter& w, ByteView b, size_t max, std::string_view field) {
  if (b.size() > max) {
    return InvalidArgument("TPMS_ATTEST: " + std::string(field) + " of " +
                           std::to_string(b.size()) + " bytes exceeds the maximum " +
                           std::to_string(max));
  }
  w.AppendSized16Be(b);
  return Ok();
}

Result<std::vector<PcrSelection>> TakePcrSelection(ByteReader& r) {
  size_t at = r.position();
  SKR_ASSIGN_OR_RETURN(uint32_t count, r.TakeU32Be("attested.quote.pcrSelect.count"));
  if (count > kMaxPcrBanks) {
    return r.MalformedAt(
        at, "attested.quote.pcrSelect.count",
        std::to_string(count) + " banks exceed the maximum " + std::to_string(kMaxPcrBanks));
  }
  std::vector<PcrSelection> out;
  for (uint32_t i = 0; i < count; ++i) {
    std::string f = "attested.quote.pcrSelect[" + std::to_string(i) + "]";
    PcrSelection s;
    SKR_ASSIGN_OR_RETURN(s.hash_alg, r.TakeU16Be(f + ".hash"));
    size_t size_at = r.position();
    SKR_ASSIGN_OR_RETURN(s.size_of_select, r.TakeU8(f + ".sizeofSelect"));
    if (s.size_of_select > kMaxSizeofSelect) {
      return r.MalformedAt(size_at, f + ".sizeofSelect",
                           std::to_string(s.size_of_select) + " exceeds the maximum " +
                               std::to_string(kMaxSizeofSelect));
    }
    SKR_ASSIGN_OR_RETURN(ByteView bitmap, r.Take(s.size_of_select, f + ".pcrSelect"));
    for (size_t byte = 0; byte < bitmap.size(); ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        if (bitmap[byte] & (1u << bit)) s.pcrs.push_back(static_cast<uint32_t>(byte * 8 + bit));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<void> PutPcrSelection(ByteWriter& w, std::span<const PcrSelection> sel) {
  if (sel.size() > kMaxPcrBanks) {
    return InvalidArgument("TPMS_ATTEST: " + std::to_string(sel.size()) +
                           " PCR banks exceed the maximum " + std::to_string(kMaxPcrBanks));
  }
  w.AppendU32Be(static_cast<uint32_t>(sel.size()));
  for (const auto& s : sel) {
    if (s.size_of_select > kMaxSizeofSelect) {
      return InvalidArgument("TPMS_ATTEST: sizeofSelect " + std::to_string(s.size_of_select) +
                             " exceeds " + std::to_string(kMaxSizeofSelect));
    }
    Bytes bitmap(s.size_of_select, 0);
    for (uint32_t pcr : s.pcrs) {
      if (pcr >= s.size_of_select * 8u) {
        return InvalidArgument("TPMS_ATTEST: PCR " + std::to_string(pcr) +
                               " does not fit a sizeofSelect of " +
                               std::to_string(s.size_of_select));
      }
      bitmap[pcr / 8] |= static_cast<uint8_t>(1u << (pcr % 8));
    }
    w.AppendU16Be(s.hash_alg);
    w.AppendU8(s.size_of_select);
    w.Append(bitmap);
  }
  return Ok();
}

}  // namespace

Result<Attest> ParseAttest(ByteView data) {
  ByteReader r(data, "TPMS_ATTEST");
  Attest a;
  SKR_ASSIGN_OR_RETURN(a.magic, r.TakeU32Be("magic"));
  if (a.magic != kTpmGeneratedValue) {
    return r.MalformedAt(0, "magic",
                         "expected TPM_GENERATED_VALUE 0xff544347, found " + Hex32(a.magic) +
                             " (not produced by a TPM)");
  }
  SKR_ASSIGN_OR_RETURN(a.type, r.TakeU16Be("type"));
  if (a.type != kStAttestQuote && a.type != kStAttestCertify) {
    return Unsupported("TPMS_ATTEST: type " + Hex16(a.type) +
                       " at 0x4 (supported: ATTEST_QUOTE 0x8018, ATTEST_CERTIFY 0x8017)");
  }
  SKR_ASSIGN_OR_RETURN(ByteView signer, TakeBounded2B(r, "qualifiedSigner", kMaxNameSize));
  a.qualified_signer = ToBytes(signer);
  SKR_ASSIGN_OR_RETURN(ByteView extra, TakeBounded2B(r, "extraData", kMaxDataSize));
  a.extra_data = ToBytes(extra);
  SKR_ASSIGN_OR_RETURN(a.clock_info.clock, r.TakeU64Be("clockInfo.clock"));
  SKR_ASSIGN_OR_RETURN(a.clock_info.reset_count, r.TakeU32Be("clockInfo.resetCount"));
  SKR_ASSIGN_OR_RETURN(a.clock_info.restart_count, r.TakeU32Be("clockInfo.restartCount"));
  size_t safe_at = r.position();
  SKR_ASSIGN_OR_RETURN(uint8_t safe, r.TakeU8("clockInfo.safe"));
  if (safe > 1) {
    return r.MalformedAt(safe_at, "clockInfo.safe",
                         "TPMI_YES_NO must be 0 or 1, found " + std::to_string(safe));
  }
  a.clock_info.safe = safe == 1;
  SKR_ASSIGN_OR_RETURN(a.firmware_version, r.TakeU64Be("firmwareVersion"));
  if (a.type == kStAttestQuote) {
    QuoteInfo q;
    SKR_ASSIGN_OR_RETURN(q.pcr_select, TakePcrSelection(r));
    SKR_ASSIGN_OR_RETURN(ByteView digest,
                         TakeBounded2B(r, "attested.quote.pcrDigest", kMaxDigestSize));
    q.pcr_digest = ToBytes(digest);
    a.quote = std::move(q);
  } else {
    CertifyInfo c;
    SKR_ASSIGN_OR_RETURN(ByteView name, TakeBounded2B(r, "attested.certify.name", kMaxNameSize));
    SKR_ASSIGN_OR_RETURN(ByteView qn,
                         TakeBounded2B(r, "attested.certify.qualifiedName", kMaxNameSize));
    c.name = ToBytes(name);
    c.qualified_name = ToBytes(qn);
    a.certify = std::move(c);
  }
  SKR_RETURN_IF_ERROR(CheckDone(r, "TPMS_ATTEST"));
  return a;
}

Result<Bytes> Attest::Serialize() const {
  ByteWriter w;
  w.AppendU32Be(magic);
  w.AppendU16Be(type);
  SKR_RETURN_IF_ERROR(Put2B(w, qualified_signer, kMaxNameSize, "qualifiedSigner"));
  SKR_RETURN_IF_ERROR(Put2B(w, extra_data, kMaxDataSize, "extraData"));
  w.AppendU64Be(clock_info.clock);
  w.AppendU32Be(clock_info.reset_count);
  w.AppendU32Be(clock_info.restart_count);
  w.AppendU8(clock_info.safe ? 1 : 0);
  w.AppendU64Be(firmware_version);
  if (type == kStAttestQuote) {
    if (!quote || certify) {
      return InvalidArgument("TPMS_ATTEST: type ATTEST_QUOTE needs `quote` (and no `certify`)");
    }
    SKR_RETURN_IF_ERROR(PutPcrSelection(w, quote->pcr_select));
    SKR_RETURN_IF_ERROR(Put2B(w, quote->pcr_digest, kMaxDigestSize, "pcrDigest"));
  } else if (type == kStAttestCertify) {
    if (!certify || quote) {
      return InvalidArgument("TPMS_ATTEST: type ATTEST_CERTIFY needs `certify` (and no `quote`)");
    }
    SKR_RETURN_IF_ERROR(Put2B(w, certify->name, kMaxNameSize, "name"));
    SKR_RETURN_IF_ERROR(Put2B(w, certify->qualified_name, kMaxNameSize, "qualifiedName"));
  } else {
    return Unsupported("TPMS_ATTEST: serializing type " + Hex16(type));
  }
  return std::move(w).Take();
}

Signature Signature::RsassaRaw(crypto::HashAlg hash, ByteView sig) {
  Signature s;
  s.sig_alg = kAlgRsassa;
  s.hash_alg = TpmAlgOf(hash);
  s.rsa_signature = ToBytes(sig);
  return s;
}

Bytes Signature::Serialize() const {
  ByteWriter w;
  w.AppendU16Be(sig_alg);
  w.AppendU16Be(hash_alg);
  if (sig_alg == kAlgEcdsa) {
    w.AppendSized16Be(ecdsa_r);
    w.AppendSized16Be(ecdsa_s);
  } else {
    w.AppendSized16Be(rsa_signature);
  }
  return std::move(w).Take();
}

Result<Signature> ParseSignature(ByteView data) {
  ByteReader r(data, "TPMT_SIGNATURE");
  Signature s;
  SKR_ASSIGN_OR_RETURN(s.sig_alg, r.TakeU16Be("sigAlg"));
  if (s.sig_alg != kAlgRsassa && s.sig_alg != kAlgRsapss && s.sig_alg != kAlgEcdsa) {
    return Unsupported("TPMT_SIGNATURE: sigAlg " + Hex16(s.sig_alg) +
                       " at 0x0 (supported: RSASSA 0x0014, RSAPSS 0x0016, ECDSA 0x0018)");
  }
  SKR_ASSIGN_OR_RETURN(s.hash_alg, r.TakeU16Be("signature.hash"));
  if (s.sig_alg == kAlgEcdsa) {
    SKR_ASSIGN_OR_RETURN(ByteView rr, TakeBounded2B(r, "signature.signatureR", kMaxEccParamBytes));
    SKR_ASSIGN_OR_RETURN(ByteView ss, TakeBounded2B(r, "signature.signatureS", kMaxEccParamBytes));
    s.ecdsa_r = ToBytes(rr);
    s.ecdsa_s = ToBytes(ss);
  } else {
    SKR_ASSIGN_OR_RETURN(ByteView sig, TakeBounded2B(r, "signature.sig", kMaxRsaSigBytes));
    s.rsa_signature = ToBytes(sig);
  }
  SKR_RETURN_IF_ERROR(CheckDone(r, "TPMT_SIGNATURE"));
  return s;
}

Result<void> VerifySignature(ByteView signed_bytes, const Signature& s,
                             const crypto::PublicKey& key) {
  SKR_ASSIGN_OR_RETURN(crypto::HashAlg hash, HashAlgFromTpm(s.hash_alg));
  Result<void> v = Ok();
  switch (s.sig_alg) {
    case kAlgRsassa:
      v = crypto::VerifyRsaPkcs1(key, hash, signed_bytes, s.rsa_signature);
      break;
    case kAlgRsapss:
      // TPMs choose the salt length (the reference implementation uses the hash size; older
      // ones the maximum), so the salt length is recovered from the signature.
      v = crypto::VerifyRsaPss(key, hash, hash, RSA_PSS_SALTLEN_AUTO, signed_bytes,
                               s.rsa_signature);
      break;
    case kAlgEcdsa: {
      if (key.type() != crypto::KeyType::kEc) {
        return InvalidArgument("TPM ECDSA signature needs an EC key, got RSA");
      }
      SKR_ASSIGN_OR_RETURN(crypto::EcPublicComponents ec, key.Ec());
      size_t n = crypto::CurveFieldSize(ec.curve);
      if (s.ecdsa_r.size() > n || s.ecdsa_s.size() > n) {
        return Malformed("TPM ECDSA signature: r (" + std::to_string(s.ecdsa_r.size()) +
                         " bytes) or s (" + std::to_string(s.ecdsa_s.size()) +
                         " bytes) is longer than the " + std::to_string(n) + "-byte field");
      }
      Bytes rs(2 * n, 0);
      std::copy(s.ecdsa_r.begin(), s.ecdsa_r.end(), rs.begin() + (n - s.ecdsa_r.size()));
      std::copy(s.ecdsa_s.begin(), s.ecdsa_s.end(), rs.end() - s.ecdsa_s.size());
      v = crypto::VerifyEcdsaP1363(key, hash, signed_bytes, rs);
      break;
    }
    default:
      return Unsupported("TPM signature algorithm " + Hex16(s.sig_alg));
  }
  if (!v.ok()) return v.error().WithContext("TPM signature over TPMS_ATTEST");
  return Ok();
}

PcrValues PcrBank(uint16_t bank, std::span<const Bytes> values) {
  PcrValues out;
  for (size_t i = 0; i < values.size(); ++i) {
    out[PcrId{bank, static_cast<uint32_t>(i)}] = values[i];
  }
  return out;
}

Result<Bytes> PcrDigest(crypto::HashAlg digest_alg, std::span<const PcrSelection> selection,
                        const PcrValues& values) {
  Bytes concat;
  for (const auto& s : selection) {
    SKR_ASSIGN_OR_RETURN(crypto::HashAlg bank_hash, HashAlgFromTpm(s.hash_alg));
    for (uint32_t pcr : s.pcrs) {
      auto it = values.find(PcrId{s.hash_alg, pcr});
      if (it == values.end()) {
        return NotFound("PCR " + std::to_string(pcr) + " of bank " + Hex16(s.hash_alg) +
                        " is selected by the quote but no value was given");
      }
      if (it->second.size() != crypto::HashSize(bank_hash)) {
        return Malformed("PCR " + std::to_string(pcr) + " of bank " + Hex16(s.hash_alg) + " has " +
                         std::to_string(it->second.size()) + " bytes, expected " +
                         std::to_string(crypto::HashSize(bank_hash)));
      }
      concat.insert(concat.end(), it->second.begin(), it->second.end());
    }
  }
  return crypto::Digest(digest_alg, concat);
}

}  // namespace skr::tpm
