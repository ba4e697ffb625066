// The mock-maa executable: "listening on <URL>" as the first stdout line, the common server flags,
// --ca-out, and a clean exit on SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "libskr/base/files.h"
#include "libskr/http/client.h"

#ifdef MOCK_MAA_BINARY

namespace skr::mock_maa {
namespace {

struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;
};

Child Spawn(const std::vector<std::string>& args) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    std::string bin = MOCK_MAA_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  return {pid, fdopen(fds[0], "r")};
}

std::string FirstLine(FILE* f) {
  char buf[512] = {0};
  if (!fgets(buf, sizeof buf, f)) return "";
  std::string s(buf);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

int StopAndWait(Child& c) {
  kill(c.pid, SIGTERM);
  int status = 0;
  waitpid(c.pid, &status, 0);
  fclose(c.out);
  return status;
}

TEST(MockMaaBinary, HttpsWithCaOutAndSigterm) {
  std::filesystem::path ca =
      std::filesystem::temp_directory_path() / ("mock-maa-ca-" + std::to_string(getpid()) + ".pem");
  Child c = Spawn({"--seed", "42", "--now", "2024-01-01T00:00:00Z", "--ca-out", ca.string(),
                   "--listen", "127.0.0.1:0"});
  std::string line = FirstLine(c.out);
  ASSERT_EQ(line.rfind("listening on https://127.0.0.1:", 0), 0u) << line;
  std::string url = line.substr(strlen("listening on "));
  auto pem = ReadFileText(ca);
  ASSERT_TRUE(pem.ok()) << pem.error().ToString();
  auto client = http::Client::Create(url, *pem);
  ASSERT_TRUE(client.ok());
  auto certs = client->Get("/certs");
  ASSERT_TRUE(certs.ok()) << certs.error().ToString();
  EXPECT_EQ(certs->status, 200);
  auto clock = client->Get("/_test/clock");
  ASSERT_TRUE(clock.ok());
  EXPECT_EQ(nlohmann::json::parse(clock->body)["now"], 1704067200);  // --now
  int status = StopAndWait(c);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::filesystem::remove(ca);
}

TEST(MockMaaBinary, PlainHttpWithoutTestControls) {
  Child c = Spawn({"--http", "--no-test-controls", "--no-sample-roots"});
  std::string line = FirstLine(c.out);
  ASSERT_EQ(line.rfind("listening on http://127.0.0.1:", 0), 0u) << line;
  auto client = http::Client::Create(line.substr(strlen("listening on ")));
  ASSERT_TRUE(client.ok());
  auto r = client->Get("/_test/clock");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(StopAndWait(c), 0);
}

TEST(MockMaaBinary, BadFlagExitsWithUsageError) {
  Child c = Spawn({"--bogus"});
  EXPECT_EQ(FirstLine(c.out), "");
  int status = 0;
  waitpid(c.pid, &status, 0);
  fclose(c.out);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
}

}  // namespace
}  // namespace skr::mock_maa

#endif  // MOCK_MAA_BINARY
