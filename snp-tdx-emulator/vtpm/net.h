// Loopback TCP helpers for the swtpm launcher and the paravisor proxy (blocking sockets).
#ifndef SKR_EMULATOR_VTPM_NET_H_
#define SKR_EMULATOR_VTPM_NET_H_

#include <cstddef>
#include <cstdint>

#include "libskr/base/result.h"

namespace skr::emulator::vtpm {

// Owns a file descriptor; closes it on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& o) noexcept : fd_(o.Release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = o.Release();
    }
    return *this;
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void Reset();

 private:
  int fd_ = -1;
};

// Listens on 127.0.0.1:port (0 = any free port).
Result<Fd> ListenLoopback(uint16_t port);
Result<uint16_t> LocalPort(int fd);
// Listens on a free pair (P, P+1), as the swtpm TCTI needs the control channel at port+1.
Result<void> ListenPair(Fd* data, Fd* ctrl, uint16_t* port);
// Finds P such that P and P+1 are free right now (racy by nature; callers retry on collision).
Result<uint16_t> FindFreePortPair();
Result<Fd> ConnectLoopback(uint16_t port);

// Reads exactly n bytes. Returns false on EOF or error.
bool ReadExact(int fd, uint8_t* buf, size_t n);
bool WriteAll(int fd, const uint8_t* buf, size_t n);

}  // namespace skr::emulator::vtpm

#endif  // SKR_EMULATOR_VTPM_NET_H_
