#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include <nlohmann/json.hpp>
#include <string>

#include "libskr/base/files.h"
#include "libskr/http/client.h"
#include "libskr/http/server.h"
#include "libskr/http/server_cli.h"
#include "libskr/http/test_tls.h"
#include "libskr/testing/process.h"

namespace skr::http {
namespace {

std::unique_ptr<Server> StartEcho(size_t max_payload = 1 << 20) {
  ServerOptions opts;
  opts.max_payload_bytes = max_payload;
  auto s = Server::Start(opts, [](httplib::Server& svr) {
    svr.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("hi", "text/plain");
    });
    svr.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/octet-stream");
    });
    svr.Get("/throw",
            [](const httplib::Request&, httplib::Response&) { throw std::runtime_error("boom"); });
  });
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return std::move(s).value();
}

// Sends raw bytes and returns everything the server answers until it closes or 2 s pass.
std::string RawExchange(uint16_t port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "";
  }
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early on oversized input
    off += static_cast<size_t>(n);
  }
  // No shutdown(SHUT_WR): httplib treats a half-closed peer as gone and would not answer.
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    // Stop once one whole response (headers + Content-Length body) is in.
    size_t end = out.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    size_t cl = out.find("Content-Length: ");
    size_t want = 0;
    if (cl != std::string::npos && cl < end) want = std::stoul(out.substr(cl + 16));
    if (out.size() >= end + 4 + want) break;
  }
  close(fd);
  return out;
}

Client MakeClient(const std::string& url) {
  auto c = Client::Create(url);
  EXPECT_TRUE(c.ok());
  return std::move(c).value();
}

void ExpectStillServing(const Server& s) {
  auto r = MakeClient(s.url()).Get("/hello");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hi");
}

TEST(ParseListen, AcceptsHostPortAndRejectsGarbage) {
  auto a = ParseListen("127.0.0.1:0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 0);
  auto b = ParseListen("[::1]:8443");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 8443);
  for (const char* bad : {"", "127.0.0.1", ":80", "host:", "host:65536", "host:8x", "::1:80",
                          "[::1]80", "host:123456"}) {
    EXPECT_FALSE(ParseListen(bad).ok()) << bad;
  }
}

TEST(Server, AnswersOnPortZeroAndStopsIdempotently) {
  auto s = StartEcho();
  EXPECT_NE(s->port(), 0);
  EXPECT_EQ(s->url(), "http://127.0.0.1:" + std::to_string(s->port()));
  ExpectStillServing(*s);
  auto r = MakeClient(s->url()).Post("/echo", {}, "payload", "text/plain");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "payload");
  s->Stop();
  s->Stop();
  auto after = MakeClient(s->url()).Get("/hello");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(after.error().message().find(s->url()), std::string::npos);
}

TEST(Server, UnknownPathGetsJsonErrorBody) {
  auto s = StartEcho();
  auto r = MakeClient(s->url()).Get("/nope");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["error"]["code"], "NotFound");
}

TEST(Server, ExceptionInHandlerGives500AndKeepsServing) {
  auto s = StartEcho();
  auto r = MakeClient(s->url()).Get("/throw");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("boom"), std::string::npos);
  ExpectStillServing(*s);
}

TEST(Server, BadRequestLineGets400AndKeepsServing) {
  auto s = StartEcho();
  std::string resp = RawExchange(s->port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(resp.rfind("HTTP/1.1 400", 0), 0u) << resp;
  resp = RawExchange(s->port(), std::string("\x16\x03\x01\x02\x00 garbage\r\n\r\n", 18));
  EXPECT_EQ(resp.rfind("HTTP/1.1 400", 0), 0u) << resp;
  ExpectStillServing(*s);
}

TEST(Server, HugeHeaderIsRejectedAndServerKeepsServing) {
  auto s = StartEcho();
  std::string req =
      "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  std::string resp = RawExchange(s->port(), req);
  // httplib drops the line or answers 400; either way nothing is served for it.
  EXPECT_EQ(resp.find("200 OK"), std::string::npos) << resp.substr(0, 100);
  std::string uri = "GET /" + std::string(20000, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n";
  resp = RawExchange(s->port(), uri);
  EXPECT_EQ(resp.rfind("HTTP/1.1 414", 0), 0u) << resp.substr(0, 100);
  ExpectStillServing(*s);
}

TEST(Server, HugeBodyGets413AndKeepsServing) {
  auto s = StartEcho(/*max_payload=*/1024);
  auto r = MakeClient(s->url()).Post("/echo", {}, std::string(4096, 'b'), "text/plain");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 413);
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["error"]["code"], "RequestEntityTooLarge");
  // The same over a raw connection (httplib reads and discards the excess before answering).
  std::string resp =
      RawExchange(s->port(), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" +
                                 std::string(2000, 'c'));
  EXPECT_EQ(resp.rfind("HTTP/1.1 413", 0), 0u) << "[" << resp.substr(0, 300) << "]";
  auto ok = MakeClient(s->url()).Post("/echo", {}, std::string(1000, 'b'), "text/plain");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  ExpectStillServing(*s);
}

TEST(Server, SecondBindOnSamePortFailsWithUnavailable) {
  auto s = StartEcho();
  ServerOptions opts;
  opts.listen.port = s->port();
  auto second = Server::Start(opts, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kUnavailable);
}

TEST(Client, RejectsBadBaseUrls) {
  for (const char* bad : {"", "127.0.0.1:80", "ftp://x", "http://", "https:///path"}) {
    EXPECT_FALSE(Client::Create(bad).ok()) << bad;
  }
  EXPECT_FALSE(Client::Create("https://x", "not pem").ok());
}

TEST(Client, PathPrefixAndHeaders) {
  ServerOptions opts;
  auto s = Server::Start(opts, [](httplib::Server& svr) {
    svr.Get("/api/v1/x", [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Seen", req.get_header_value("X-Test"));
      res.set_content("ok", "text/plain");
    });
  });
  ASSERT_TRUE(s.ok());
  auto c = Client::Create((*s)->url() + "/api/v1/");
  ASSERT_TRUE(c.ok());
  auto r = c->Get("/x", {{"X-Test", "v"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("x-seen"), "v");
  EXPECT_FALSE(r->Header("x-absent").has_value());
}

TEST(ServerCli, ParsesCommonFlagsAndLeavesTheRest) {
  const char* argv[] = {"bin",       "--listen", "0.0.0.0:8443",
                        "--seed=42", "--now",    "2026-01-02T03:04:05Z",
                        "--http",    "--data",   "/tmp/x"};
  ServerFlags f;
  auto rest = ParseServerFlags(9, const_cast<char**>(argv), f);
  ASSERT_TRUE(rest.ok()) << rest.error().ToString();
  EXPECT_EQ(f.listen.host, "0.0.0.0");
  EXPECT_EQ(f.listen.port, 8443);
  EXPECT_EQ(f.seed, 42u);
  ASSERT_TRUE(f.now.has_value());
  EXPECT_EQ(*f.now, 1767323045);
  EXPECT_TRUE(f.plain_http);
  EXPECT_EQ(*rest, (std::vector<std::string>{"--data", "/tmp/x"}));
  EXPECT_EQ(f.MakeClock()->Now(), 1767323045);
  EXPECT_EQ(f.SeedBytes(), (Bytes{0, 0, 0, 0, 0, 0, 0, 42}));

  for (auto bad : std::vector<std::vector<const char*>>{{"bin", "--listen"},
                                                        {"bin", "--listen", "nope"},
                                                        {"bin", "--seed", "-1"},
                                                        {"bin", "--seed", "99999999999999999999"},
                                                        {"bin", "--now", "yesterday"},
                                                        {"bin", "--http=1"}}) {
    ServerFlags g;
    EXPECT_FALSE(
        ParseServerFlags(static_cast<int>(bad.size()), const_cast<char**>(bad.data()), g).ok())
        << bad[1];
  }
}

}  // namespace
}  // namespace skr::http

namespace skr::http {
namespace {

const Bytes kSeed = {1, 2, 3, 4};

TEST(ServerTls, DeterministicFromSeed) {
  auto a = MakeServerTls(kSeed, DefaultTlsHostnames(), "t");
  auto b = MakeServerTls(kSeed, DefaultTlsHostnames(), "t");
  auto c = MakeServerTls(kSeed, DefaultTlsHostnames(), "other");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->identity.cert_chain_pem, b->identity.cert_chain_pem);
  EXPECT_EQ(a->identity.key_pem, b->identity.key_pem);
  EXPECT_NE(a->ca_cert_pem, c->ca_cert_pem);
  EXPECT_FALSE(MakeServerTls(kSeed, {}).ok());
}

class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tls = MakeServerTls(kSeed, DefaultTlsHostnames(), "https-test");
    ASSERT_TRUE(tls.ok()) << tls.error().ToString();
    tls_ = *tls;
    ServerOptions opts;
    opts.tls = tls_.identity;
    auto s = Server::Start(opts, [](httplib::Server& svr) {
      svr.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("secure", "text/plain");
      });
    });
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    server_ = std::move(s).value();
  }
  ServerTls tls_;
  std::unique_ptr<Server> server_;
};

TEST_F(HttpsTest, WorksWithTheCaBundle) {
  EXPECT_EQ(server_->url().rfind("https://127.0.0.1:", 0), 0u);
  auto c = Client::Create(server_->url(), tls_.ca_cert_pem);
  ASSERT_TRUE(c.ok());
  auto r = c->Get("/hello");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "secure");
  // By host name too (SAN dNSName).
  auto by_name =
      Client::Create("https://localhost:" + std::to_string(server_->port()), tls_.ca_cert_pem);
  ASSERT_TRUE(by_name.ok());
  auto r2 = by_name->Get("/hello");
  ASSERT_TRUE(r2.ok()) << r2.error().ToString();
  EXPECT_EQ(r2->status, 200);
}

TEST_F(HttpsTest, FailsWithoutTheCaOrWithAnotherCa) {
  auto no_ca = Client::Create(server_->url());
  ASSERT_TRUE(no_ca.ok());
  auto r = no_ca->Get("/hello");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find(server_->url()), std::string::npos);

  auto other = MakeServerTls(Bytes{9}, DefaultTlsHostnames(), "https-test");
  ASSERT_TRUE(other.ok());
  auto wrong_ca = Client::Create(server_->url(), other->ca_cert_pem);
  ASSERT_TRUE(wrong_ca.ok());
  EXPECT_FALSE(wrong_ca->Get("/hello").ok());

  // Plain HTTP against the TLS port gets no usable answer, and the server keeps serving.
  auto plain = Client::Create("http://127.0.0.1:" + std::to_string(server_->port()));
  ASSERT_TRUE(plain.ok());
  auto pr = plain->Get("/hello");
  EXPECT_TRUE(!pr.ok() || pr->status != 200);
  auto again = Client::Create(server_->url(), tls_.ca_cert_pem)->Get("/hello");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200);
}

// A pinned CA bundle is the only trust: the system store (here pointed at this server's CA with
// SSL_CERT_FILE, which OpenSSL's default verify paths read) is not consulted. Without a bundle
// the system store is used.
TEST_F(HttpsTest, PinnedBundleExcludesTheSystemStore) {
  ::skr::testing::TempDir tmp;
  const std::string system_ca = (tmp.path() / "system-ca.pem").string();
  ASSERT_TRUE(WriteFileBytes(system_ca, AsBytes(tls_.ca_cert_pem)).ok());
  const char* saved = std::getenv("SSL_CERT_FILE");
  const std::string saved_value = saved ? saved : "";
  ::setenv("SSL_CERT_FILE", system_ca.c_str(), 1);

  auto system = Client::Create(server_->url());
  ASSERT_TRUE(system.ok());
  auto rs = system->Get("/hello");
  EXPECT_TRUE(rs.ok() && rs->status == 200) << (rs.ok() ? rs->body : rs.error().ToString());

  auto other = MakeServerTls(Bytes{9}, DefaultTlsHostnames(), "https-test");
  ASSERT_TRUE(other.ok());
  auto pinned_other = Client::Create(server_->url(), other->ca_cert_pem);
  ASSERT_TRUE(pinned_other.ok());
  auto rp = pinned_other->Get("/hello");
  EXPECT_FALSE(rp.ok()) << "a client pinned to another CA trusted the system store";

  if (saved) {
    ::setenv("SSL_CERT_FILE", saved_value.c_str(), 1);
  } else {
    ::unsetenv("SSL_CERT_FILE");
  }
}

TEST(ServerTls, HostNameMismatchFails) {
  auto tls = MakeServerTls(kSeed, {"only.example"}, "mismatch");
  ASSERT_TRUE(tls.ok());
  ServerOptions opts;
  opts.tls = tls->identity;
  auto s = Server::Start(opts, [](httplib::Server& svr) {
    svr.Get("/",
            [](const httplib::Request&, httplib::Response& res) { res.set_content("x", "t"); });
  });
  ASSERT_TRUE(s.ok());
  auto c = Client::Create((*s)->url(), tls->ca_cert_pem);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->Get("/").ok());
}

TEST(ServerTls, MismatchedKeyIsRejected) {
  auto a = MakeServerTls(kSeed, DefaultTlsHostnames(), "a");
  auto b = MakeServerTls(kSeed, DefaultTlsHostnames(), "b");
  ASSERT_TRUE(a.ok() && b.ok());
  ServerOptions opts;
  opts.tls = TlsIdentity{a->identity.cert_chain_pem, b->identity.key_pem};
  auto s = Server::Start(opts, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace skr::http
