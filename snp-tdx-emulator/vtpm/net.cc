#include "snp-tdx-emulator/vtpm/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace skr::emulator::vtpm {
namespace {
std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}
}  // namespace

void Fd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<Fd> ListenLoopback(uint16_t port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Unavailable(Errno("socket"));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a = Loopback(port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    return Unavailable(Errno(("bind 127.0.0.1:" + std::to_string(port)).c_str()));
  }
  if (::listen(fd.get(), 16) != 0) return Unavailable(Errno("listen"));
  return fd;
}

Result<uint16_t> LocalPort(int fd) {
  sockaddr_in a = {};
  socklen_t len = sizeof(a);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return Unavailable(Errno("getsockname"));
  }
  return ntohs(a.sin_port);
}

Result<void> ListenPair(Fd* data, Fd* ctrl, uint16_t* port) {
  for (int attempt = 0; attempt < 64; ++attempt) {
    SKR_ASSIGN_OR_RETURN(Fd d, ListenLoopback(0));
    SKR_ASSIGN_OR_RETURN(uint16_t p, LocalPort(d.get()));
    if (p == 65535) continue;
    auto c = ListenLoopback(static_cast<uint16_t>(p + 1));
    if (!c.ok()) continue;
    *data = std::move(d);
    *ctrl = std::move(*c);
    *port = p;
    return Ok();
  }
  return Unavailable("no free loopback port pair (P, P+1) after 64 attempts");
}

Result<uint16_t> FindFreePortPair() {
  Fd d, c;
  uint16_t p = 0;
  SKR_RETURN_IF_ERROR(ListenPair(&d, &c, &p));
  return p;
}

Result<Fd> ConnectLoopback(uint16_t port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Unavailable(Errno("socket"));
  sockaddr_in a = Loopback(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    return Unavailable(Errno(("connect 127.0.0.1:" + std::to_string(port)).c_str()));
  }
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool ReadExact(int fd, uint8_t* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(fd, buf + got, n - got, 0);
    if (r == 0) return false;
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    got += static_cast<size_t>(r);
  }
  return true;
}

bool WriteAll(int fd, const uint8_t* buf, size_t n) {
  size_t sent = 0;
  while (sent < n) {
    ssize_t r = ::send(fd, buf + sent, n - sent, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    sent += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace skr::emulator::vtpm
