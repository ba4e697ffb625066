// The emulated Azure paravisor in front of swtpm: a TCP proxy speaking the swtpm TCTI wire protocol
// (raw TPM 2.0 command/response stream on port P, control channel on P+1 forwarded to swtpm's
// control port). It serves Azure's vTPM NV indices itself (evidence-formats.md 2.1), with Azure's
// sizes, which swtpm cannot hold (anchors.md 3, pitfall 3), and forwards everything else.
// See DESIGN.md for exactly how each intercepted command is answered.
#ifndef SKR_EMULATOR_VTPM_PARAVISOR_H_
#define SKR_EMULATOR_VTPM_PARAVISOR_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "snp-tdx-emulator/vtpm/net.h"

namespace skr::emulator::vtpm {

// Azure vTPM NV indices (evidence-formats.md 2.1; OpenVMM tpm_protocol).
inline constexpr uint32_t kNvHclReport = 0x01400001;  // HCL attestation report, read-only
inline constexpr uint32_t kNvUserData = 0x01400002;   // guest attestation input, 64 bytes
inline constexpr uint32_t kNvAkCert = 0x01C101D0;     // AK certificate
inline constexpr uint16_t kHclReportIndexSize = 2600;
inline constexpr uint16_t kUserDataSize = 64;
inline constexpr uint16_t kAkCertIndexSize = 4096;

// Makes the HCL report (at most 2600 bytes; zero-padded to the index size) for the 64-byte user
// data last written to 0x01400002 (all zero before the first write, as at boot).
using ReportProvider = std::function<Result<Bytes>(ByteView user_data64)>;

class Paravisor {
 public:
  struct Options {
    uint16_t swtpm_port = 0;  // swtpm command port; its control port must be swtpm_port + 1
    ReportProvider report_provider;
    Bytes ak_cert;  // DER; empty = index 0x01C101D0 not present
    // Port to listen on (P, with control at P+1); 0 = a free pair.
    uint16_t listen_port = 0;
  };

  // Generates the boot report (provider with 64 zero bytes) and starts listening.
  static Result<std::unique_ptr<Paravisor>> Start(Options options);
  ~Paravisor();  // Stop()
  Paravisor(const Paravisor&) = delete;
  Paravisor& operator=(const Paravisor&) = delete;

  // Closes the listeners and every connection and joins all threads. Idempotent.
  void Stop();

  uint16_t port() const { return port_; }
  std::string tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }

  // Observability for tests and logs.
  Bytes user_data() const;
  uint64_t reports_generated() const;
  std::string last_provider_error() const;

  struct CommandAuth {
    uint32_t handle = 0;
    Bytes nonce_caller;
    uint8_t attributes = 0;
    Bytes hmac;
  };

  struct VirtualIndex {
    uint32_t attributes = 0;  // TPMA_NV
    uint16_t size = 0;
    Bytes data;  // always `size` bytes
  };

 private:
  explicit Paravisor(Options options) : options_(std::move(options)) {}

  void AcceptLoop();
  void ReapFinishedLocked();  // conn_mu_ held
  void ServeData(int fd);
  void ServeCtrl(int fd);
  void Track(int fd, bool add);

  // Answers one complete command (header included); forwards if not intercepted.
  Result<Bytes> Handle(ByteView cmd);
  Result<Bytes> Forward(ByteView cmd);
  // Forwards and follows HMAC sessions: StartAuthSession, nonceTPM of each response, flushes.
  Result<Bytes> ForwardTracked(ByteView cmd);
  void TrackResponse(ByteView cmd, ByteView rsp);
  // Authorizes an NV command on a virtual index (one session); returns a TPM_RC or 0.
  uint32_t CheckAuth(ByteView cmd, uint32_t auth_handle, uint32_t nv_index, const CommandAuth& auth,
                     size_t params_offset);
  // After a successful action: the response with its authorization area (password: empty;
  // HMAC: swtpm's session nonce is rolled with a no-op owner command, then the response HMAC is
  // computed over our parameters with the new nonceTPM).
  Bytes AuthorizedResponse(uint32_t cc, const CommandAuth& auth, ByteView parameters);
  Bytes NvReadPublic(uint32_t index);
  Bytes NvRead(ByteView cmd);
  Bytes NvWrite(ByteView cmd);
  Result<Bytes> GetCapabilityHandles(ByteView cmd, uint32_t property, uint32_t count);
  void RefreshReportLocked();
  bool IsVirtualIndex(uint32_t handle) const;
  Bytes VirtualName(uint32_t index);
  Result<uint16_t> QueryNvBufferMax();

  Options options_;
  uint16_t port_ = 0;
  Fd listen_data_, listen_ctrl_;
  int wake_pipe_[2] = {-1, -1};
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex conn_mu_;
  std::set<int> conn_fds_;
  // One thread per connection. The swtpm TCTI connects once per command, so finished threads are
  // joined at the next accept (a long-running vTPM would otherwise exhaust threads/mappings).
  std::map<std::thread::id, std::thread> conn_threads_;
  std::vector<std::thread::id> finished_threads_;

  uint16_t nv_buffer_max_ = 0;  // swtpm's TPM_PT_NV_BUFFER_MAX
  std::mutex upstream_mu_;      // serializes commands to swtpm over one connection
  Fd upstream_;

  // HMAC sessions seen on the wire (unsalted and unbound only: their session key is empty).
  struct Session {
    uint16_t auth_hash = 0;
    bool supported = false;
    Bytes nonce_tpm;
  };
  std::mutex sessions_mu_;
  std::map<uint32_t, Session> sessions_;

  mutable std::mutex state_mu_;
  std::map<uint32_t, VirtualIndex> indices_;
  Bytes user_data_;
  bool report_stale_ = true;
  uint64_t reports_generated_ = 0;
  std::string last_provider_error_;
};

}  // namespace skr::emulator::vtpm

#endif  // SKR_EMULATOR_VTPM_PARAVISOR_H_
