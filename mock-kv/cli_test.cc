// Runs build/bin/mock-kv: first stdout line "listening on <URL>", serves, stops on SIGTERM.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "libskr/base/files.h"
#include "libskr/http/client.h"

namespace skr::mock_kv {
namespace {

struct Child {
  pid_t pid = -1;
  int out = -1;
};

Child Spawn(std::vector<std::string> args) {
  int pipefd[2];
  EXPECT_EQ(pipe(pipefd), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    close(pipefd[0]);
    close(pipefd[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipefd[1]);
  return {pid, pipefd[0]};
}

// Reads one line (up to 10 s).
std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 10000) <= 0) break;
    if (read(fd, &c, 1) != 1 || c == '\n') break;
    line.push_back(c);
  }
  return line;
}

int Stop(Child& c, int sig = SIGTERM) {
  kill(c.pid, sig);
  int status = 0;
  waitpid(c.pid, &status, 0);
  close(c.out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(MockKvCli, PrintsListeningFirstServesAndStopsOnSignal) {
  Child c = Spawn({MOCK_KV_BINARY, "--listen", "127.0.0.1:0", "--seed", "3", "--http", "--no-auth",
                   "--now", "2026-01-02T03:04:05Z"});
  std::string line = ReadLine(c.out);
  ASSERT_EQ(line.rfind("listening on http://127.0.0.1:", 0), 0u) << line;
  std::string url = line.substr(std::string("listening on ").size());
  auto client = http::Client::Create(url);
  ASSERT_TRUE(client.ok());
  auto r = client->Post("/keys/cli/create?api-version=7.6", {}, R"({"kty":"EC-HSM"})");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200) << r->body;
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["attributes"]["created"], 1767323045);  // --now
  EXPECT_EQ(j["key"]["kid"].get<std::string>().rfind(url + "/keys/cli/", 0), 0u);
  EXPECT_EQ(Stop(c), 0);
}

TEST(MockKvCli, HttpsByDefaultWithCaOutAndDurableData) {
  auto dir = std::filesystem::temp_directory_path() / ("mock-kv-cli-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string ca = (dir / "ca.pem").string();
  std::vector<std::string> args = {MOCK_KV_BINARY,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--seed",
                                   "4",
                                   "--no-auth",
                                   "--tls-ca-out",
                                   ca,
                                   "--data",
                                   (dir / "db").string()};
  Child c = Spawn(args);
  std::string line = ReadLine(c.out);
  ASSERT_EQ(line.rfind("listening on https://127.0.0.1:", 0), 0u) << line;
  auto pem = ReadFileText(ca);
  ASSERT_TRUE(pem.ok());
  auto client = http::Client::Create(line.substr(13), *pem);
  ASSERT_TRUE(client.ok());
  auto r = client->Post("/keys/durable/create?api-version=7.4", {}, R"({"kty":"oct-HSM"})");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Stop(c, SIGINT), 0);

  Child again = Spawn(args);
  line = ReadLine(again.out);
  ASSERT_EQ(line.rfind("listening on https://", 0), 0u) << line;
  auto client2 = http::Client::Create(line.substr(13), *pem);
  auto g = client2->Get("/keys/durable?api-version=7.4");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->status, 200) << g->body;
  EXPECT_EQ(Stop(again), 0);
  std::filesystem::remove_all(dir);
}

// Durability (issue #5): SIGKILL while a client is creating keys as fast as it can; after a restart
// on the same --data, every key whose create was acknowledged (200) is there with the same kid and
// the same public key.
TEST(MockKvCli, SigkillDuringACreateBurstLosesNoAcknowledgedKey) {
  auto dir = std::filesystem::temp_directory_path() / ("mock-kv-kill-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<std::string> args = {MOCK_KV_BINARY, "--listen", "127.0.0.1:0",
                                   "--seed",       "6",        "--http",
                                   "--no-auth",    "--data",   (dir / "db").string()};
  Child c = Spawn(args);
  std::string line = ReadLine(c.out);
  ASSERT_EQ(line.rfind("listening on http://", 0), 0u) << line;
  auto client = http::Client::Create(line.substr(13));
  ASSERT_TRUE(client.ok());

  struct Acked {
    std::string name, kid, x, y;
  };
  std::mutex mu;
  std::vector<Acked> acked;
  std::atomic<bool> stop{false};
  std::thread burst([&] {
    for (int i = 0; !stop; ++i) {
      const std::string name = "burst-" + std::to_string(i);
      auto r = client->Post("/keys/" + name + "/create?api-version=7.4", {},
                            R"({"kty":"EC-HSM","crv":"P-256"})");
      if (!r.ok()) break;  // the server is gone
      if (r->status != 200) continue;
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      std::lock_guard<std::mutex> lock(mu);
      acked.push_back({name, j["key"]["kid"], j["key"]["x"], j["key"]["y"]});
    }
  });
  for (int waited = 0; waited < 600; ++waited) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (acked.size() >= 20) break;
    }
    usleep(50 * 1000);
  }
  kill(c.pid, SIGKILL);  // mid-burst: requests are in flight
  int status = 0;
  waitpid(c.pid, &status, 0);
  close(c.out);
  stop = true;
  burst.join();
  ASSERT_GE(acked.size(), 20u);

  Child again = Spawn(args);
  line = ReadLine(again.out);
  ASSERT_EQ(line.rfind("listening on http://", 0), 0u) << line;
  auto client2 = http::Client::Create(line.substr(13));
  ASSERT_TRUE(client2.ok());
  for (const Acked& a : acked) {
    auto g = client2->Get("/keys/" + a.name + "?api-version=7.4");
    ASSERT_TRUE(g.ok());
    ASSERT_EQ(g->status, 200) << a.name << ": " << g->body;
    auto j = nlohmann::json::parse(g->body);
    // The kid's host is the (new) server URL; name and version must be the same.
    const std::string kid = j["key"]["kid"];
    EXPECT_EQ(kid.substr(kid.find("/keys/")), a.kid.substr(a.kid.find("/keys/")));
    EXPECT_EQ(j["key"]["x"], a.x);
    EXPECT_EQ(j["key"]["y"], a.y);
  }
  EXPECT_EQ(Stop(again), 0);
  std::filesystem::remove_all(dir);
}

TEST(MockKvCli, BadFlagsExitNonZero) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{MOCK_KV_BINARY, "--bogus", "x"},
        std::vector<std::string>{MOCK_KV_BINARY, "--listen", "nope"},
        std::vector<std::string>{MOCK_KV_BINARY, "--now", "yesterday"}}) {
    Child c = Spawn(args);
    int status = 0;
    waitpid(c.pid, &status, 0);
    close(c.out);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << args[1];
  }
}

}  // namespace
}  // namespace skr::mock_kv
