// Runs build/bin/mock-kv: first stdout line "listening on <URL>", serves, stops on SIGTERM.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
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
