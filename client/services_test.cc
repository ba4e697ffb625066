#include "client/services.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "libskr/http/server.h"

namespace skr::client {
namespace {

using nlohmann::json;

struct Recorder {
  std::vector<std::chrono::milliseconds> sleeps;
  RetryPolicy Policy(int attempts = 4) {
    RetryPolicy p;
    p.max_attempts = attempts;
    p.initial_backoff = std::chrono::milliseconds(100);
    p.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
    return p;
  }
};

std::unique_ptr<http::Server> Serve(std::function<void(httplib::Server&)> routes) {
  auto s = http::Server::Start(http::ServerOptions{}, std::move(routes));
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

TEST(Retry, HonoursRetryAfterOn429AndBacksOffOn5xx) {
  std::atomic<int> calls{0};
  auto server = Serve([&](httplib::Server& s) {
    s.Get("/x", [&](const httplib::Request&, httplib::Response& res) {
      int n = ++calls;
      if (n == 1) {
        res.status = 429;
        res.set_header("Retry-After", "2");
      } else if (n == 2) {
        res.status = 503;
      } else {
        res.set_content("{}", "application/json");
      }
    });
  });
  ASSERT_TRUE(server);
  auto c = http::Client::Create(server->url());
  ASSERT_TRUE(c.ok());
  Recorder rec;
  auto r = SendWithRetry(*c, "GET", "/x", {}, {}, rec.Policy(), "test");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(calls.load(), 3);
  ASSERT_EQ(rec.sleeps.size(), 2u);
  EXPECT_EQ(rec.sleeps[0], std::chrono::milliseconds(2000));  // Retry-After
  EXPECT_EQ(rec.sleeps[1], std::chrono::milliseconds(200));   // doubled back-off
}

TEST(Retry, NeverRetriesA400AndReportsTheServiceError) {
  std::atomic<int> calls{0};
  auto server = Serve([&](httplib::Server& s) {
    s.Post("/attest/SevSnpVm", [&](const httplib::Request&, httplib::Response& res) {
      ++calls;
      res.status = 400;
      res.set_content(R"({"error":{"code":"InvalidParameter","message":"report too short"}})",
                      "application/json");
    });
  });
  ASSERT_TRUE(server);
  Recorder rec;
  auto maa = MaaClient::Create({server->url(), {}}, rec.Policy());
  ASSERT_TRUE(maa.ok());
  auto t = maa->AttestSevSnpVm({});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(calls.load(), 1);
  EXPECT_TRUE(rec.sleeps.empty());
  EXPECT_EQ(t.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(t.error().message().find("InvalidParameter: report too short"), std::string::npos)
      << t.error().ToString();
  EXPECT_NE(t.error().message().find("MAA attest/SevSnpVm"), std::string::npos);
}

TEST(Retry, GivesUpAfterMaxAttemptsOnPersistentFailure) {
  std::atomic<int> calls{0};
  auto server = Serve([&](httplib::Server& s) {
    s.Get("/x", [&](const httplib::Request&, httplib::Response& res) {
      ++calls;
      res.status = 500;
    });
  });
  ASSERT_TRUE(server);
  auto c = http::Client::Create(server->url());
  Recorder rec;
  auto r = SendWithRetry(*c, "GET", "/x", {}, {}, rec.Policy(3), "test");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(ServiceError("test", *r).code(), ErrorCode::kUnavailable);

  // Nothing listening: connection errors are retried too, then reported with the URL.
  const std::string url = server->url();
  server->Stop();
  auto dead = http::Client::Create(url);
  Recorder rec2;
  auto d = SendWithRetry(*dead, "GET", "/x", {}, {}, rec2.Policy(2), "test");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(rec2.sleeps.size(), 1u);
}

TEST(Imds, SendsMetadataHeaderAndSelectorAndParsesStringNumbers) {
  auto server = Serve([&](httplib::Server& s) {
    s.Get("/metadata/identity/oauth2/token",
          [&](const httplib::Request& req, httplib::Response& res) {
            if (req.get_header_value("Metadata") != "true") {
              res.status = 400;
              res.set_content(R"({"error":"bad_request_102","error_description":"Required )"
                              R"(metadata header not specified"})",
                              "application/json");
              return;
            }
            json j = {{"access_token", "tok-" + req.get_param_value("resource") + "-" +
                                           req.get_param_value("client_id")},
                      {"expires_on", "1700000000"},
                      {"expires_in", "3599"},
                      {"token_type", "Bearer"}};
            res.set_content(j.dump(), "application/json");
          });
  });
  ASSERT_TRUE(server);
  auto imds = ImdsClient::Create({server->url(), {}});
  ASSERT_TRUE(imds.ok());
  IdentitySelector id;
  id.client_id = "c1";
  auto t = imds->GetAccessToken("https://vault.azure.net", id);
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(t->token, "tok-https://vault.azure.net-c1");
  EXPECT_EQ(t->expires_on, 1700000000);
  auto q = imds->GetTdQuote(Bytes(10));
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().code(), ErrorCode::kInvalidArgument);
}

TEST(Imds, ReportsImdsErrorBodies) {
  auto server = Serve([&](httplib::Server& s) {
    s.Get("/metadata/THIM/amd/certification", [&](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content(R"({"error":"not_found","error_description":"no VCEK"})", "application/json");
    });
  });
  ASSERT_TRUE(server);
  auto imds = ImdsClient::Create({server->url(), {}});
  auto c = imds->GetThimCertification();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(c.error().message().find("not_found: no VCEK"), std::string::npos);
}

TEST(KeyVault, ReleaseRequestShapeAndResponseParsing) {
  auto server = Serve([&](httplib::Server& s) {
    s.Post("/keys/k1/v1/release", [&](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") != "Bearer T" ||
          req.get_param_value("api-version") != "7.4") {
        res.status = 401;
        return;
      }
      auto body = json::parse(req.body);
      EXPECT_EQ(body["target"], "a.b.c");
      EXPECT_EQ(body["enc"], "RSA_AES_KEY_WRAP_256");
      res.status = 403;
      res.set_content(R"({"error":{"code":"Forbidden","message":"policy not satisfied"}})",
                      "application/json");
    });
  });
  ASSERT_TRUE(server);
  auto kv = KeyVaultClient::Create({server->url(), {}}, "T");
  ASSERT_TRUE(kv.ok());
  kv::ReleaseRequest req{"a.b.c", std::nullopt, kv::KeyWrapAlgorithm::kRsaAesKeyWrap256};
  auto r = kv->Release(server->url() + "/keys/k1/v1", req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(r.error().message().find("Forbidden: policy not satisfied"), std::string::npos);
  // Keys on another vault, or malformed names, are refused before any request.
  EXPECT_EQ(kv->Release("https://other.vault.azure.net/keys/k1", req).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(kv->Release("a/b/c", req).error().code(), ErrorCode::kInvalidArgument);
}

TEST(Timeouts, ASlowServiceTimesOutIsRetriedAndReportedNotAwaited) {
  auto server = Serve([&](httplib::Server& s) {
    s.Post("/attest/TdxVm", [&](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.set_content(R"({"token":"a.b.c"})", "application/json");
    });
  });
  ASSERT_TRUE(server);
  Recorder rec;
  ServiceEndpoint ep{server->url(), std::nullopt, std::chrono::milliseconds(200)};
  auto maa = MaaClient::Create(ep, rec.Policy(2));
  ASSERT_TRUE(maa.ok());
  const auto start = std::chrono::steady_clock::now();
  auto t = maa->AttestTdxVm({});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), ErrorCode::kUnavailable) << t.error().ToString();
  EXPECT_NE(t.error().message().find("after 2 attempts"), std::string::npos)
      << t.error().ToString();
  EXPECT_EQ(rec.sleeps.size(), 1u);
  EXPECT_LT(took, std::chrono::milliseconds(1400)) << "the client waited for the slow answer";
}

TEST(Flows, NamesRoundTrip) {
  for (auto f :
       {AttestationFlow::kAzureGuest, AttestationFlow::kSevSnpVm, AttestationFlow::kTdxVm}) {
    EXPECT_EQ(*AttestationFlowFromName(AttestationFlowName(f)), f);
  }
  EXPECT_EQ(*AttestationFlowFromName("SEVSNPVM"), AttestationFlow::kSevSnpVm);
  EXPECT_FALSE(AttestationFlowFromName("sgx").ok());
}

}  // namespace
}  // namespace skr::client
