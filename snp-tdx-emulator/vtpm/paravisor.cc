#include "snp-tdx-emulator/vtpm/paravisor.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tpm2_types.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "libskr/crypto/digest.h"
#include "libskr/tpm/device.h"

namespace skr::emulator::vtpm {
namespace {

constexpr uint16_t kStNoSessions = 0x8001;
constexpr uint16_t kStSessions = 0x8002;
constexpr uint32_t kCcNvUndefineSpaceSpecial = 0x11F;
constexpr uint32_t kCcNvUndefineSpace = 0x122;
constexpr uint32_t kCcNvDefineSpace = 0x12A;
constexpr uint32_t kCcNvWrite = 0x137;
constexpr uint32_t kCcNvRead = 0x14E;
constexpr uint32_t kCcNvReadPublic = 0x169;
constexpr uint32_t kCcGetCapability = 0x17A;
constexpr uint32_t kCcClockRateAdjust = 0x130;
constexpr uint32_t kCcStartAuthSession = 0x176;
constexpr uint32_t kCcFlushContext = 0x165;
constexpr uint32_t kRhNull = 0x40000007;
constexpr uint8_t kSessionContinue = 0x01;
constexpr uint32_t kRhOwner = 0x40000001;
constexpr uint32_t kRsPw = 0x40000009;
constexpr uint32_t kRhPlatform = 0x4000000C;
constexpr uint32_t kCapHandles = 0x00000001;
constexpr uint32_t kCapTpmProperties = 0x00000006;
constexpr uint32_t kPtNvBufferMax = 0x0000012C;
// TPM 2.0 Part 2, 6.6 response codes. Format-one codes carry the handle (H), session (S) or
// parameter (P) number: +0x100*N, +0x040 for P, +0x800 for S.
constexpr uint32_t kRcFailure = 0x101;
constexpr uint32_t kRcBadTag = 0x01E;
constexpr uint32_t kRcAuthMissing = 0x125;
constexpr uint32_t kRcAuthUnavailable = 0x12F;
constexpr uint32_t kRcCommandSize = 0x142;
constexpr uint32_t kRcAuthSize = 0x144;
constexpr uint32_t kRcNvRange = 0x146;
constexpr uint32_t kRcNvAuthorization = 0x149;
constexpr uint32_t kRcNvUninitialized = 0x14A;
constexpr uint32_t kRcNvDefined = 0x14C;
constexpr uint32_t kRcAttributesH1 = 0x182;
constexpr uint32_t kRcHierarchyH1 = 0x185;
constexpr uint32_t kRcValueP1 = 0x1C4;
constexpr uint32_t kRcSizeP1 = 0x1D5;
constexpr uint32_t kRcAuthFailS1 = 0x98E;
constexpr uint32_t kRcNonceS1 = 0x98F;
// swtpm/libtpms command buffer (TPM_PT_MAX_COMMAND_SIZE 4096).
constexpr size_t kMaxCommandSize = 4096;
constexpr int kBodyTimeoutMs = 10000;

Bytes ErrorResponse(uint32_t rc) {
  ByteWriter w;
  w.AppendU16Be(kStNoSessions);
  w.AppendU32Be(10);
  w.AppendU32Be(rc);
  return std::move(w).Take();
}

// Reads exactly n bytes, giving up after timeout_ms without progress.
bool ReadWithTimeout(int fd, uint8_t* buf, size_t n, int timeout_ms) {
  size_t got = 0;
  while (got < n) {
    pollfd p = {fd, POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    if (r <= 0) return false;
    ssize_t k = ::recv(fd, buf + got, n - got, 0);
    if (k <= 0) return false;
    got += static_cast<size_t>(k);
  }
  return true;
}

// Parses an authorization area (authorizationSize, then TPMS_AUTH_COMMANDs) at the reader's
// position; leaves the reader at the first parameter.
bool ParseAuthArea(ByteReader& r, std::vector<Paravisor::CommandAuth>* out) {
  auto auth_size = r.TakeU32Be("authorizationSize");
  if (!auth_size.ok() || *auth_size > r.remaining()) return false;
  const size_t end = r.position() + *auth_size;
  while (r.position() < end) {
    Paravisor::CommandAuth a;
    auto handle = r.TakeU32Be("sessionHandle");
    auto nonce = r.TakeSized16Be("nonceCaller");
    auto attrs = r.TakeU8("sessionAttributes");
    auto hmac = r.TakeSized16Be("hmac");
    if (!handle.ok() || !nonce.ok() || !attrs.ok() || !hmac.ok() || r.position() > end) {
      return false;
    }
    a.handle = *handle;
    a.nonce_caller = ToBytes(*nonce);
    a.attributes = *attrs;
    a.hmac = ToBytes(*hmac);
    out->push_back(std::move(a));
  }
  return !out->empty() && out->size() <= 3;
}

// The sessions of a forwarded command. The handle count depends on the command code, so try
// 0..3 handles and take the first layout whose authorization area parses exactly.
std::vector<Paravisor::CommandAuth> SessionsOf(ByteView cmd) {
  for (size_t handles = 0; handles <= 3; ++handles) {
    ByteReader r(cmd, "TPM command");
    r.Seek(10 + 4 * handles);
    std::vector<Paravisor::CommandAuth> auths;
    if (r.position() <= cmd.size() && ParseAuthArea(r, &auths)) {
      bool plausible = true;
      for (const auto& a : auths) {
        const uint8_t type = a.handle >> 24;
        plausible &= a.handle == kRsPw || type == 0x02 || type == 0x03;
      }
      if (plausible) return auths;
    }
  }
  return {};
}

Bytes HmacSha256(ByteView key, ByteView data) {
  uint8_t out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  static const uint8_t kEmpty = 0;
  HMAC(EVP_sha256(), key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()), data.data(),
       data.size(), out, &len);
  return Bytes(out, out + len);
}

Bytes U32Be(uint32_t v) {
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

}  // namespace

Result<std::unique_ptr<Paravisor>> Paravisor::Start(Options options) {
  if (!options.report_provider) return InvalidArgument("Paravisor: report_provider is required");
  if (options.swtpm_port == 0) return InvalidArgument("Paravisor: swtpm_port is required");
  if (options.ak_cert.size() > kAkCertIndexSize) {
    return InvalidArgument("Paravisor: AK cert of " + std::to_string(options.ak_cert.size()) +
                           " bytes exceeds the 4096-byte index 0x01C101D0");
  }
  std::unique_ptr<Paravisor> p(new Paravisor(std::move(options)));

  // Azure-like attributes (UNCONFIRMED exact values; DESIGN.md): platform-created indices that
  // the owner can read; only 0x01400002 is owner/auth-writable.
  const uint32_t read = TPMA_NV_OWNERREAD | TPMA_NV_AUTHREAD | TPMA_NV_PPREAD;
  const uint32_t base = TPMA_NV_NO_DA | TPMA_NV_PLATFORMCREATE;
  p->indices_[kNvHclReport] = {base | read | TPMA_NV_PPWRITE | TPMA_NV_WRITTEN, kHclReportIndexSize,
                               Bytes(kHclReportIndexSize, 0)};
  p->indices_[kNvUserData] = {base | read | TPMA_NV_OWNERWRITE | TPMA_NV_AUTHWRITE, kUserDataSize,
                              Bytes(kUserDataSize, 0)};
  if (!p->options_.ak_cert.empty()) {
    Bytes cert = p->options_.ak_cert;
    cert.resize(kAkCertIndexSize, 0);
    p->indices_[kNvAkCert] = {base | read | TPMA_NV_PPWRITE | TPMA_NV_WRITTEN, kAkCertIndexSize,
                              std::move(cert)};
  }
  p->user_data_.assign(kUserDataSize, 0);
  SKR_ASSIGN_OR_RETURN(p->nv_buffer_max_, p->QueryNvBufferMax());
  {
    std::lock_guard<std::mutex> lock(p->state_mu_);
    p->RefreshReportLocked();
    if (p->reports_generated_ == 0) {
      return Internal("Paravisor: the report provider failed for the boot report: " +
                      p->last_provider_error_);
    }
  }

  if (p->options_.listen_port == 0) {
    SKR_RETURN_IF_ERROR(ListenPair(&p->listen_data_, &p->listen_ctrl_, &p->port_));
  } else {
    SKR_ASSIGN_OR_RETURN(p->listen_data_, ListenLoopback(p->options_.listen_port));
    SKR_ASSIGN_OR_RETURN(p->listen_ctrl_,
                         ListenLoopback(static_cast<uint16_t>(p->options_.listen_port + 1)));
    p->port_ = p->options_.listen_port;
  }
  if (::pipe2(p->wake_pipe_, O_CLOEXEC) != 0) return Unavailable("Paravisor: pipe2 failed");
  p->acceptor_ = std::thread([raw = p.get()] { raw->AcceptLoop(); });
  return p;
}

Paravisor::~Paravisor() { Stop(); }

void Paravisor::Stop() {
  if (stopping_.exchange(true)) return;
  if (wake_pipe_[1] >= 0) {
    const uint8_t b = 1;
    (void)!::write(wake_pipe_[1], &b, 1);
  }
  if (acceptor_.joinable()) acceptor_.join();
  std::map<std::thread::id, std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(conn_mu_);
    for (int fd : conn_fds_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(conn_threads_);
    finished_threads_.clear();
  }
  for (auto& [id, t] : threads) t.join();
  listen_data_.Reset();
  listen_ctrl_.Reset();
  upstream_.Reset();
  for (int& fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

void Paravisor::Track(int fd, bool add) {
  std::lock_guard<std::mutex> lock(conn_mu_);
  if (add) {
    conn_fds_.insert(fd);
  } else {
    conn_fds_.erase(fd);
  }
}

void Paravisor::AcceptLoop() {
  pollfd fds[3] = {
      {listen_data_.get(), POLLIN, 0}, {listen_ctrl_.get(), POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
  while (!stopping_) {
    if (::poll(fds, 3, -1) < 0) continue;
    if (fds[2].revents) return;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      int c = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      // TPM commands and responses are small request/response exchanges: without TCP_NODELAY,
      // Nagle's algorithm and delayed ACKs add ~40 ms to exchanges written in pieces (measured
      // in bench/: NV reads of the HCL report were 50x the same reads on a bare swtpm).
      int one = 1;
      ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      std::lock_guard<std::mutex> lock(conn_mu_);
      if (stopping_) {
        ::close(c);
        return;
      }
      ReapFinishedLocked();
      conn_fds_.insert(c);
      std::thread t([this, c, data = i == 0] {
        if (data) {
          ServeData(c);
        } else {
          ServeCtrl(c);
        }
        std::lock_guard<std::mutex> done(conn_mu_);
        finished_threads_.push_back(std::this_thread::get_id());
      });
      const std::thread::id id = t.get_id();
      conn_threads_.emplace(id, std::move(t));
    }
  }
}

void Paravisor::ReapFinishedLocked() {
  // A finished thread has pushed its id as its last step; join only waits for it to return.
  for (const std::thread::id& id : finished_threads_) {
    auto it = conn_threads_.find(id);
    if (it == conn_threads_.end()) continue;
    it->second.join();
    conn_threads_.erase(it);
  }
  finished_threads_.clear();
}

void Paravisor::ServeCtrl(int fd) {
  // The swtpm control protocol (locality, init, shutdown...) is passed through byte for byte.
  auto up = ConnectLoopback(static_cast<uint16_t>(options_.swtpm_port + 1));
  if (up.ok()) {
    Track(up->get(), true);
    pollfd fds[2] = {{fd, POLLIN, 0}, {up->get(), POLLIN, 0}};
    uint8_t buf[4096];
    bool open = true;
    while (open && !stopping_) {
      if (::poll(fds, 2, -1) < 0) break;
      for (int i = 0; i < 2 && open; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = ::recv(fds[i].fd, buf, sizeof(buf), 0);
        if (n <= 0 || !WriteAll(fds[1 - i].fd, buf, static_cast<size_t>(n))) open = false;
      }
    }
    Track(up->get(), false);
  }
  Track(fd, false);
  ::close(fd);
}

void Paravisor::ServeData(int fd) {
  while (!stopping_) {
    uint8_t header[10];
    if (!ReadExact(fd, header, sizeof(header))) break;
    const uint32_t size = (uint32_t{header[2]} << 24) | (uint32_t{header[3]} << 16) |
                          (uint32_t{header[4]} << 8) | header[5];
    if (size < sizeof(header) || size > kMaxCommandSize) {
      // The stream cannot be resynchronized after a bad size: answer, then close.
      Bytes e = ErrorResponse(kRcCommandSize);
      WriteAll(fd, e.data(), e.size());
      break;
    }
    Bytes cmd(header, header + sizeof(header));
    cmd.resize(size);
    if (!ReadWithTimeout(fd, cmd.data() + sizeof(header), size - sizeof(header), kBodyTimeoutMs)) {
      break;  // truncated command
    }
    auto rsp = Handle(cmd);
    if (!rsp.ok()) {
      // swtpm is gone or answered garbage: report a TPM failure, then close.
      Bytes e = ErrorResponse(kRcFailure);
      WriteAll(fd, e.data(), e.size());
      break;
    }
    if (!WriteAll(fd, rsp->data(), rsp->size())) break;
  }
  Track(fd, false);
  ::close(fd);
}

Result<Bytes> Paravisor::Forward(ByteView cmd) {
  std::lock_guard<std::mutex> lock(upstream_mu_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!upstream_.valid()) {
      SKR_ASSIGN_OR_RETURN(upstream_, ConnectLoopback(options_.swtpm_port));
    }
    if (!WriteAll(upstream_.get(), cmd.data(), cmd.size())) {
      upstream_.Reset();  // swtpm closed the connection: reconnect once and resend
      continue;
    }
    uint8_t header[10];
    if (!ReadExact(upstream_.get(), header, sizeof(header))) {
      upstream_.Reset();
      return Unavailable("swtpm closed the connection without a response");
    }
    const uint32_t size = (uint32_t{header[2]} << 24) | (uint32_t{header[3]} << 16) |
                          (uint32_t{header[4]} << 8) | header[5];
    if (size < sizeof(header) || size > 65536) {
      upstream_.Reset();
      return Malformed("swtpm response size " + std::to_string(size));
    }
    Bytes rsp(header, header + sizeof(header));
    rsp.resize(size);
    if (!ReadExact(upstream_.get(), rsp.data() + sizeof(header), size - sizeof(header))) {
      upstream_.Reset();
      return Unavailable("swtpm response truncated");
    }
    return rsp;
  }
  return Unavailable("cannot send the command to swtpm");
}

bool Paravisor::IsVirtualIndex(uint32_t handle) const {
  // The key set is fixed in Start(), so no lock is needed.
  return indices_.count(handle) != 0;
}

Result<uint16_t> Paravisor::QueryNvBufferMax() {
  // TPM2_GetCapability(TPM_CAP_TPM_PROPERTIES, TPM_PT_NV_BUFFER_MAX, 1), asked of swtpm so the
  // paravisor enforces exactly the limit that clients see (anchors.md 3, pitfall 4).
  ByteWriter w;
  w.AppendU16Be(kStNoSessions);
  w.AppendU32Be(22);
  w.AppendU32Be(kCcGetCapability);
  w.AppendU32Be(kCapTpmProperties);
  w.AppendU32Be(kPtNvBufferMax);
  w.AppendU32Be(1);
  SKR_ASSIGN_OR_RETURN(Bytes rsp, Forward(w.bytes()));
  ByteReader r(rsp, "GetCapability(TPM_PT_NV_BUFFER_MAX) response");
  SKR_ASSIGN_OR_RETURN(uint32_t rc, r.U32Be(6, "responseCode"));
  if (rc != 0) {
    return Unavailable("swtpm answered GetCapability(TPM_PT_NV_BUFFER_MAX) with TPM_RC " +
                       tpm::HexHandle(rc));
  }
  SKR_ASSIGN_OR_RETURN(uint32_t count, r.U32Be(15, "count"));
  SKR_ASSIGN_OR_RETURN(uint32_t prop, r.U32Be(19, "property"));
  SKR_ASSIGN_OR_RETURN(uint32_t value, r.U32Be(23, "value"));
  if (count < 1 || prop != kPtNvBufferMax || value == 0 || value > TPM2_MAX_NV_BUFFER_SIZE) {
    return Malformed("swtpm TPM_PT_NV_BUFFER_MAX: count " + std::to_string(count) + ", property " +
                     tpm::HexHandle(prop) + ", value " + std::to_string(value));
  }
  return static_cast<uint16_t>(value);
}

Result<Bytes> Paravisor::Handle(ByteView cmd) {
  ByteReader r(cmd, "TPM command");
  const uint16_t tag = *r.U16Be(0, "tag");
  const uint32_t cc = *r.U32Be(6, "commandCode");
  if (tag != kStNoSessions && tag != kStSessions) return ErrorResponse(kRcBadTag);
  auto h1 = r.U32Be(10, "handle 1");
  auto h2 = r.U32Be(14, "handle 2");
  switch (cc) {
    case kCcNvReadPublic:
      if (h1.ok() && IsVirtualIndex(*h1)) {
        if (cmd.size() != 14) return ErrorResponse(kRcCommandSize);
        if (tag == kStSessions) return ErrorResponse(kRcAuthUnavailable);
        return NvReadPublic(*h1);
      }
      break;
    case kCcNvRead:
      if (h2.ok() && IsVirtualIndex(*h2)) return NvRead(cmd);
      break;
    case kCcNvWrite:
      if (h2.ok() && IsVirtualIndex(*h2)) return NvWrite(cmd);
      break;
    case kCcNvUndefineSpace:
      // Platform-created indices cannot be deleted with owner auth (Part 3 NV_UndefineSpace).
      if (h2.ok() && IsVirtualIndex(*h2)) return ErrorResponse(kRcNvAuthorization);
      break;
    case kCcNvUndefineSpaceSpecial:
      // Only indices with TPMA_NV_POLICY_DELETE may be deleted this way.
      if (h1.ok() && IsVirtualIndex(*h1)) return ErrorResponse(kRcAttributesH1);
      break;
    case kCcNvDefineSpace: {
      // authHandle, authorization area, TPM2B_AUTH, TPM2B_NV_PUBLIC{size, nvIndex, ...}.
      auto auth_size = r.U32Be(14, "authorizationSize");
      if (!auth_size.ok()) break;
      size_t off = 18 + size_t{*auth_size};
      auto auth_len = r.U16Be(off, "auth.size");
      if (!auth_len.ok()) break;
      auto index = r.U32Be(off + 2 + *auth_len + 2, "publicInfo.nvIndex");
      if (index.ok() && IsVirtualIndex(*index)) return ErrorResponse(kRcNvDefined);
      break;
    }
    case kCcGetCapability: {
      auto cap = r.U32Be(10, "capability");
      auto prop = r.U32Be(14, "property");
      auto count = r.U32Be(18, "propertyCount");
      if (tag == kStNoSessions && cmd.size() == 22 && cap.ok() && prop.ok() && count.ok() &&
          *cap == kCapHandles && (*prop >> 24) == TPM2_HT_NV_INDEX) {
        return GetCapabilityHandles(cmd, *prop, *count);
      }
      break;
    }
    default:
      break;
  }
  return ForwardTracked(cmd);
}

void Paravisor::RefreshReportLocked() {
  if (!report_stale_) return;
  auto report = options_.report_provider(user_data_);
  if (!report.ok()) {
    // As OpenVMM does on a failed renewal, keep serving the previous report.
    last_provider_error_ = report.error().ToString();
    return;
  }
  if (report->size() > kHclReportIndexSize) {
    last_provider_error_ = "report provider returned " + std::to_string(report->size()) +
                           " bytes, more than the 2600-byte index";
    return;
  }
  Bytes data = std::move(*report);
  data.resize(kHclReportIndexSize, 0);  // zero padding up to the NV size (evidence-formats 2.2)
  indices_[kNvHclReport].data = std::move(data);
  report_stale_ = false;
  ++reports_generated_;
  last_provider_error_.clear();
}

Bytes Paravisor::NvReadPublic(uint32_t index) {
  std::lock_guard<std::mutex> lock(state_mu_);
  auto it = indices_.find(index);
  if (it == indices_.end()) return ErrorResponse(kRcFailure);
  TPM2B_NV_PUBLIC pub = {};
  pub.nvPublic.nvIndex = index;
  pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
  pub.nvPublic.attributes = it->second.attributes;
  pub.nvPublic.dataSize = it->second.size;
  auto name = tpm::NvName(pub.nvPublic);
  uint8_t buf[sizeof(TPM2B_NV_PUBLIC)];
  size_t off = 0;
  if (!name.ok() || Tss2_MU_TPM2B_NV_PUBLIC_Marshal(&pub, buf, sizeof(buf), &off) != 0) {
    return ErrorResponse(kRcFailure);
  }
  ByteWriter w;
  w.AppendU16Be(kStNoSessions);
  w.AppendU32Be(static_cast<uint32_t>(10 + off + 2 + name->size()));
  w.AppendU32Be(0);
  w.Append(ByteView(buf, off));
  w.AppendSized16Be(*name);
  return std::move(w).Take();
}

Bytes Paravisor::NvRead(ByteView cmd) {
  ByteReader r(cmd, "TPM2_NV_Read");
  if (*r.U16Be(0, "tag") != kStSessions) return ErrorResponse(kRcAuthMissing);
  r.Seek(10);
  auto auth_handle = r.TakeU32Be("authHandle");
  auto nv_index = r.TakeU32Be("nvIndex");
  if (!auth_handle.ok() || !nv_index.ok()) return ErrorResponse(kRcCommandSize);
  std::vector<CommandAuth> auths;
  if (!ParseAuthArea(r, &auths)) return ErrorResponse(kRcAuthSize);
  if (auths.size() != 1) return ErrorResponse(kRcAuthUnavailable);  // audit/encrypt sessions
  const size_t params_at = r.position();
  auto size = r.TakeU16Be("size");
  auto offset = r.TakeU16Be("offset");
  if (!size.ok() || !offset.ok() || r.remaining() != 0) return ErrorResponse(kRcCommandSize);
  if (*auth_handle == kRhPlatform) return ErrorResponse(kRcHierarchyH1);  // phEnable is CLEAR
  if (uint32_t rc = CheckAuth(cmd, *auth_handle, *nv_index, auths[0], params_at); rc != 0) {
    return ErrorResponse(rc);
  }
  ByteWriter params;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    VirtualIndex& idx = indices_.at(*nv_index);
    // NvReadAccessChecks (Part 4): the authorizing entity must be allowed to read.
    const bool allowed = (*auth_handle == kRhOwner && (idx.attributes & TPMA_NV_OWNERREAD)) ||
                         (*auth_handle == *nv_index && (idx.attributes & TPMA_NV_AUTHREAD));
    if (!allowed) return ErrorResponse(kRcNvAuthorization);
    if (!(idx.attributes & TPMA_NV_WRITTEN)) return ErrorResponse(kRcNvUninitialized);
    if (*size > nv_buffer_max_) return ErrorResponse(kRcValueP1);
    if (uint32_t{*offset} + *size > idx.size) return ErrorResponse(kRcNvRange);
    if (*nv_index == kNvHclReport) RefreshReportLocked();
    params.AppendSized16Be(ByteView(idx.data).subspan(*offset, *size));
  }
  return AuthorizedResponse(kCcNvRead, auths[0], params.bytes());
}

Bytes Paravisor::NvWrite(ByteView cmd) {
  ByteReader r(cmd, "TPM2_NV_Write");
  if (*r.U16Be(0, "tag") != kStSessions) return ErrorResponse(kRcAuthMissing);
  r.Seek(10);
  auto auth_handle = r.TakeU32Be("authHandle");
  auto nv_index = r.TakeU32Be("nvIndex");
  if (!auth_handle.ok() || !nv_index.ok()) return ErrorResponse(kRcCommandSize);
  std::vector<CommandAuth> auths;
  if (!ParseAuthArea(r, &auths)) return ErrorResponse(kRcAuthSize);
  if (auths.size() != 1) return ErrorResponse(kRcAuthUnavailable);
  const size_t params_at = r.position();
  auto data = r.TakeSized16Be("data");
  if (!data.ok()) return ErrorResponse(kRcCommandSize);
  auto offset = r.TakeU16Be("offset");
  if (!offset.ok() || r.remaining() != 0) return ErrorResponse(kRcCommandSize);
  if (data->size() > nv_buffer_max_) return ErrorResponse(kRcSizeP1);
  if (*auth_handle == kRhPlatform) return ErrorResponse(kRcHierarchyH1);
  if (uint32_t rc = CheckAuth(cmd, *auth_handle, *nv_index, auths[0], params_at); rc != 0) {
    return ErrorResponse(rc);
  }
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    VirtualIndex& idx = indices_.at(*nv_index);
    // NvWriteAccessChecks (Part 4): without OWNERWRITE/AUTHWRITE the owner and the index itself
    // are refused with TPM_RC_NV_AUTHORIZATION; this is what a real TPM returns for 0x01400001.
    const bool allowed = (*auth_handle == kRhOwner && (idx.attributes & TPMA_NV_OWNERWRITE)) ||
                         (*auth_handle == *nv_index && (idx.attributes & TPMA_NV_AUTHWRITE));
    if (!allowed) return ErrorResponse(kRcNvAuthorization);
    if (uint32_t{*offset} + data->size() > idx.size) return ErrorResponse(kRcNvRange);
    std::copy(data->begin(), data->end(), idx.data.begin() + *offset);
    idx.attributes |= TPMA_NV_WRITTEN;
    if (*nv_index == kNvUserData) {
      // The paravisor's guest attestation input: the next report read carries it.
      user_data_ = idx.data;
      report_stale_ = true;
    }
  }
  return AuthorizedResponse(kCcNvWrite, auths[0], {});
}

Bytes Paravisor::VirtualName(uint32_t index) {
  std::lock_guard<std::mutex> lock(state_mu_);
  TPMS_NV_PUBLIC pub = {};
  pub.nvIndex = index;
  pub.nameAlg = TPM2_ALG_SHA256;
  pub.attributes = indices_.at(index).attributes;
  pub.dataSize = indices_.at(index).size;
  auto name = tpm::NvName(pub);
  return name.ok() ? *name : Bytes();
}

uint32_t Paravisor::CheckAuth(ByteView cmd, uint32_t auth_handle, uint32_t nv_index,
                              const CommandAuth& auth, size_t params_offset) {
  if (auth.handle == kRsPw) {
    if (!auth.nonce_caller.empty()) return kRcNonceS1;
    // The guest's owner auth and the indices' auth are empty on an Azure CVM.
    return auth.hmac.empty() ? 0 : kRcAuthFailS1;
  }
  // Audit, parameter encryption and policy sessions are not emulated for virtual indices.
  if ((auth.attributes & ~kSessionContinue) != 0) return kRcAuthUnavailable;
  const Bytes nv_name = VirtualName(nv_index);
  const Bytes auth_name = auth_handle == nv_index ? nv_name : U32Be(auth_handle);
  std::lock_guard<std::mutex> lock(sessions_mu_);
  auto it = sessions_.find(auth.handle);
  if (it == sessions_.end() || !it->second.supported) return kRcAuthUnavailable;
  // Part 1, 19.6: cpHash = H(commandCode || names || parameters); HMAC key = sessionKey (empty:
  // unbound, unsalted) || authValue (empty).
  const uint32_t cc =
      (uint32_t{cmd[6]} << 24) | (uint32_t{cmd[7]} << 16) | (uint32_t{cmd[8]} << 8) | cmd[9];
  Bytes cp = U32Be(cc);
  cp.insert(cp.end(), auth_name.begin(), auth_name.end());
  cp.insert(cp.end(), nv_name.begin(), nv_name.end());
  cp.insert(cp.end(), cmd.begin() + params_offset, cmd.end());
  Bytes msg = crypto::Sha256(cp);
  msg.insert(msg.end(), auth.nonce_caller.begin(), auth.nonce_caller.end());
  msg.insert(msg.end(), it->second.nonce_tpm.begin(), it->second.nonce_tpm.end());
  msg.push_back(auth.attributes);
  return HmacSha256({}, msg) == auth.hmac ? 0 : kRcAuthFailS1;
}

Bytes Paravisor::AuthorizedResponse(uint32_t cc, const CommandAuth& auth, ByteView parameters) {
  Bytes nonce_tpm;  // empty for a password session
  Bytes hmac;
  if (auth.handle != kRsPw) {
    // Roll swtpm's nonceTPM for this session with a no-op owner-authorized command
    // (TPM2_ClockRateAdjust(TPM_RH_OWNER, TPM_CLOCK_NO_CHANGE)), so the session stays usable for
    // commands that go to swtpm, then answer with swtpm's new nonceTPM.
    Bytes old_nonce;
    {
      std::lock_guard<std::mutex> lock(sessions_mu_);
      old_nonce = sessions_[auth.handle].nonce_tpm;
    }
    const Bytes nonce_caller = crypto::RandomBytes(std::max<size_t>(16, auth.nonce_caller.size()));
    const Bytes sub_params = {0x00};
    Bytes cp = U32Be(kCcClockRateAdjust);
    Bytes owner = U32Be(kRhOwner);
    cp.insert(cp.end(), owner.begin(), owner.end());
    cp.insert(cp.end(), sub_params.begin(), sub_params.end());
    Bytes msg = crypto::Sha256(cp);
    msg.insert(msg.end(), nonce_caller.begin(), nonce_caller.end());
    msg.insert(msg.end(), old_nonce.begin(), old_nonce.end());
    msg.push_back(auth.attributes);
    ByteWriter sub;
    sub.AppendU16Be(kStSessions);
    sub.AppendU32Be(0);
    sub.AppendU32Be(kCcClockRateAdjust);
    sub.AppendU32Be(kRhOwner);
    sub.AppendU32Be(static_cast<uint32_t>(4 + 2 + nonce_caller.size() + 1 + 2 + 32));
    sub.AppendU32Be(auth.handle);
    sub.AppendSized16Be(nonce_caller);
    sub.AppendU8(auth.attributes);
    sub.AppendSized16Be(HmacSha256({}, msg));
    sub.Append(sub_params);
    Bytes sub_cmd = std::move(sub).Take();
    const uint32_t n = static_cast<uint32_t>(sub_cmd.size());
    sub_cmd[2] = n >> 24, sub_cmd[3] = n >> 16, sub_cmd[4] = n >> 8, sub_cmd[5] = n;
    auto rsp = Forward(sub_cmd);
    if (!rsp.ok()) return ErrorResponse(kRcFailure);
    ByteReader rr(*rsp, "TPM2_ClockRateAdjust response");
    auto rc = rr.U32Be(6, "responseCode");
    if (!rc.ok()) return ErrorResponse(kRcFailure);
    if (*rc != 0) return ErrorResponse(*rc);
    rr.Seek(14);  // after parameterSize (0)
    auto nonce = rr.TakeSized16Be("nonceTPM");
    if (!nonce.ok()) return ErrorResponse(kRcFailure);
    nonce_tpm = ToBytes(*nonce);
    {
      std::lock_guard<std::mutex> lock(sessions_mu_);
      if (auth.attributes & kSessionContinue) {
        sessions_[auth.handle].nonce_tpm = nonce_tpm;
      } else {
        sessions_.erase(auth.handle);
      }
    }
    // rpHash = H(responseCode || commandCode || parameters); the response HMAC covers
    // rpHash || nonceTPM || nonceCaller || sessionAttributes.
    Bytes rp = U32Be(0);
    Bytes ccb = U32Be(cc);
    rp.insert(rp.end(), ccb.begin(), ccb.end());
    rp.insert(rp.end(), parameters.begin(), parameters.end());
    Bytes rmsg = crypto::Sha256(rp);
    rmsg.insert(rmsg.end(), nonce_tpm.begin(), nonce_tpm.end());
    rmsg.insert(rmsg.end(), auth.nonce_caller.begin(), auth.nonce_caller.end());
    rmsg.push_back(auth.attributes);
    hmac = HmacSha256({}, rmsg);
  }
  ByteWriter w;
  w.AppendU16Be(kStSessions);
  w.AppendU32Be(0);  // patched below
  w.AppendU32Be(0);  // TPM_RC_SUCCESS
  w.AppendU32Be(static_cast<uint32_t>(parameters.size()));
  w.Append(parameters);
  w.AppendSized16Be(nonce_tpm);
  // Password sessions: continueSession is always SET in the response (Part 1, 19.8.4).
  w.AppendU8(auth.handle == kRsPw ? kSessionContinue : auth.attributes);
  w.AppendSized16Be(hmac);
  Bytes out = std::move(w).Take();
  const uint32_t n = static_cast<uint32_t>(out.size());
  out[2] = n >> 24, out[3] = n >> 16, out[4] = n >> 8, out[5] = n;
  return out;
}

Result<Bytes> Paravisor::ForwardTracked(ByteView cmd) {
  SKR_ASSIGN_OR_RETURN(Bytes rsp, Forward(cmd));
  TrackResponse(cmd, rsp);
  return rsp;
}

void Paravisor::TrackResponse(ByteView cmd, ByteView rsp) {
  ByteReader c(cmd, "command");
  ByteReader r(rsp, "response");
  auto rc = r.U32Be(6, "responseCode");
  if (!rc.ok() || *rc != 0) return;  // a failed command leaves the session nonces unchanged
  const uint16_t ctag = *c.U16Be(0, "tag");
  const uint32_t cc = *c.U32Be(6, "commandCode");
  std::lock_guard<std::mutex> lock(sessions_mu_);
  if (cc == kCcStartAuthSession) {
    // tpmKey, bind, [auth area], nonceCaller, encryptedSalt, sessionType, symmetric, authHash.
    c.Seek(10);
    auto tpm_key = c.TakeU32Be("tpmKey");
    auto bind = c.TakeU32Be("bind");
    std::vector<CommandAuth> ignored;
    if (ctag == kStSessions && !ParseAuthArea(c, &ignored)) return;
    auto nonce_caller = c.TakeSized16Be("nonceCaller");
    auto salt = c.TakeSized16Be("encryptedSalt");
    auto type = c.TakeU8("sessionType");
    auto sym = c.TakeU16Be("symmetric.algorithm");
    if (!tpm_key.ok() || !bind.ok() || !nonce_caller.ok() || !salt.ok() || !type.ok() ||
        !sym.ok()) {
      return;
    }
    if (*sym != TPM2_ALG_NULL) (void)c.TakeU16Be("symmetric.keyBits");
    if (*sym != TPM2_ALG_NULL && *sym != TPM2_ALG_XOR) (void)c.TakeU16Be("symmetric.mode");
    auto auth_hash = c.TakeU16Be("authHash");
    auto handle = r.U32Be(10, "sessionHandle");
    r.Seek(*r.U16Be(0, "tag") == kStSessions ? 18 : 14);
    auto nonce_tpm = r.TakeSized16Be("nonceTPM");
    if (!auth_hash.ok() || !handle.ok() || !nonce_tpm.ok()) return;
    Session s;
    s.auth_hash = *auth_hash;
    s.supported = *tpm_key == kRhNull && *bind == kRhNull && *type == TPM2_SE_HMAC &&
                  *auth_hash == TPM2_ALG_SHA256;
    s.nonce_tpm = ToBytes(*nonce_tpm);
    sessions_[*handle] = std::move(s);
    return;
  }
  if (cc == kCcFlushContext) {
    if (auto h = c.U32Be(10, "flushHandle"); h.ok()) sessions_.erase(*h);
    return;
  }
  if (ctag != kStSessions) return;
  const std::vector<CommandAuth> auths = SessionsOf(cmd);
  // The response authorization area ends the response; walk it backwards with the sizes we
  // know (password: 5 bytes; tracked HMAC session: nonceTPM of its size, SHA-256 HMAC).
  size_t end = rsp.size();
  std::vector<std::pair<uint32_t, Bytes>> updates;
  bool ok = true;
  for (size_t i = auths.size(); ok && i-- > 0;) {
    if (auths[i].handle == kRsPw) {
      ok = end >= 5;
      end -= ok ? 5 : 0;
      continue;
    }
    auto it = sessions_.find(auths[i].handle);
    if (it == sessions_.end() || !it->second.supported) {
      ok = false;
      break;
    }
    const size_t nlen = it->second.nonce_tpm.size();
    const size_t total = 2 + nlen + 1 + 2 + 32;
    if (end < total + 10) {
      ok = false;
      break;
    }
    const size_t at = end - total;
    auto n = r.U16Be(at, "nonceTPM.size");
    auto h = r.U16Be(at + 2 + nlen + 1, "hmac.size");
    auto nonce = r.Slice(at + 2, nlen, "nonceTPM");
    if (!n.ok() || !h.ok() || !nonce.ok() || *n != nlen || *h != 32) {
      ok = false;
      break;
    }
    updates.emplace_back(auths[i].handle, ToBytes(*nonce));
    end = at;
  }
  if (!ok) {
    // Lost track of these sessions: the paravisor will refuse them for its indices.
    for (const auto& a : auths) {
      if (auto it = sessions_.find(a.handle); it != sessions_.end()) it->second.supported = false;
    }
    return;
  }
  for (auto& [h, nonce] : updates) sessions_[h].nonce_tpm = std::move(nonce);
  for (const auto& a : auths) {
    if (a.handle != kRsPw && !(a.attributes & kSessionContinue)) sessions_.erase(a.handle);
  }
}

Result<Bytes> Paravisor::GetCapabilityHandles(ByteView cmd, uint32_t property, uint32_t count) {
  SKR_ASSIGN_OR_RETURN(Bytes rsp, Forward(cmd));
  ByteReader r(rsp, "GetCapability response");
  SKR_ASSIGN_OR_RETURN(uint32_t rc, r.U32Be(6, "responseCode"));
  if (rc != 0) return rsp;
  r.Seek(10);
  SKR_ASSIGN_OR_RETURN(uint8_t more, r.TakeU8("moreData"));
  SKR_ASSIGN_OR_RETURN(uint32_t cap, r.TakeU32Be("capability"));
  SKR_ASSIGN_OR_RETURN(uint32_t n, r.TakeU32Be("count"));
  if (cap != kCapHandles) return rsp;
  std::vector<uint32_t> handles;
  for (uint32_t i = 0; i < n; ++i) {
    SKR_ASSIGN_OR_RETURN(uint32_t h, r.TakeU32Be("handle"));
    handles.push_back(h);
  }
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    for (const auto& [h, idx] : indices_) {
      // With moreData, swtpm's list stops early; later virtual handles come with the next call.
      if (h < property || (more && !handles.empty() && h > handles.back())) continue;
      if (std::find(handles.begin(), handles.end(), h) == handles.end()) handles.push_back(h);
    }
  }
  std::sort(handles.begin(), handles.end());
  const size_t limit = std::min<size_t>(count, TPM2_MAX_CAP_HANDLES);
  if (handles.size() > limit) {
    handles.resize(limit);
    more = 1;
  }
  ByteWriter w;
  w.AppendU16Be(kStNoSessions);
  w.AppendU32Be(static_cast<uint32_t>(10 + 1 + 4 + 4 + 4 * handles.size()));
  w.AppendU32Be(0);
  w.AppendU8(more);
  w.AppendU32Be(kCapHandles);
  w.AppendU32Be(static_cast<uint32_t>(handles.size()));
  for (uint32_t h : handles) w.AppendU32Be(h);
  return std::move(w).Take();
}

Bytes Paravisor::user_data() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return user_data_;
}

uint64_t Paravisor::reports_generated() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return reports_generated_;
}

std::string Paravisor::last_provider_error() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return last_provider_error_;
}

}  // namespace skr::emulator::vtpm
