// The GitHub REST client against the stand-in GitHub on loopback: App
// authentication (JWT, installation tokens and their cache), personal
// tokens, retries on 5xx, rate limits, and each call FactoryCI makes.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <thread>

#include "github/app_jwt.h"
#include "github/github.h"
#include "github_standin.h"

namespace {

using namespace std::chrono_literals;
using githubtest::GitHubStandin;
using nlohmann::json;

const github::Repository kRepository{"acme", "rocket"};

std::string decode(std::string_view text) {
  std::string padded{text};
  for (char& c : padded) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (padded.size() % 4) padded += '=';
  std::string out(padded.size(), '\0');
  const int size =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(padded.data()), static_cast<int>(padded.size()));
  out.resize(static_cast<std::size_t>(size) - (padded.size() - text.size()));  // the padding decodes to zeros
  return out;
}

class GitHubClientTest : public ::testing::Test {
 protected:
  GitHubClientTest() { standin_.add_repository("acme/rocket"); }

  github::AppKey app_key() const {
    std::string error;
    auto key = github::AppKey::from_pem(standin_.app_key().private_pem(), error);
    EXPECT_TRUE(key) << error;
    return *key;
  }
  github::GitHubOptions app_options() const {
    github::GitHubOptions options;
    options.rest = {.api_url = standin_.url() + "/", .attempts = 4, .backoff = 10ms, .longest_wait = 5s};
    options.app_id = GitHubStandin::kAppId;
    options.app_key = app_key();
    return options;
  }

  GitHubStandin standin_;
};

TEST(AppJwt, Base64urlHasNoPaddingAndUrlSafeLetters) {
  EXPECT_EQ(github::base64url(""), "");
  EXPECT_EQ(github::base64url("f"), "Zg");
  EXPECT_EQ(github::base64url("fo"), "Zm8");
  EXPECT_EQ(github::base64url("foo"), "Zm9v");
  EXPECT_EQ(github::base64url("\xfb\xff"), "-_8");
}

TEST(AppJwt, RejectsWhatIsNotAnRsaPrivateKey) {
  std::string error;
  EXPECT_FALSE(github::AppKey::from_pem("not a key", error));
  EXPECT_NE(error.find("PEM private key"), std::string::npos) << error;
  EXPECT_FALSE(github::AppKey::load("/nonexistent/key.pem", error));
  EXPECT_NE(error.find("/nonexistent/key.pem"), std::string::npos) << error;
}

TEST(AppJwt, IsSignedRs256WithTheAppKeyAndSaysWhoAndWhen) {
  githubtest::RsaKey rsa;
  std::string error;
  const auto key = github::AppKey::from_pem(rsa.private_pem(), error);
  ASSERT_TRUE(key) << error;
  const auto now = std::chrono::system_clock::from_time_t(1'700'000'000);
  const std::string jwt = key->jwt("123", now);
  const auto first = jwt.find('.'), last = jwt.rfind('.');
  EXPECT_EQ(json::parse(decode(jwt.substr(0, first))), (json{{"alg", "RS256"}, {"typ", "JWT"}}));
  const json claims = json::parse(decode(jwt.substr(first + 1, last - first - 1)));
  EXPECT_EQ(claims["iss"], "123");
  EXPECT_EQ(claims["iat"], 1'700'000'000 - 60);
  EXPECT_EQ(claims["exp"], 1'700'000'000 + 540);

  const std::string signature = decode(jwt.substr(last + 1));
  const std::string input = jwt.substr(0, last);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  ASSERT_EQ(EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, rsa.get()), 1);
  EXPECT_EQ(EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  githubtest::RsaKey other;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> wrong{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  ASSERT_EQ(EVP_DigestVerifyInit(wrong.get(), nullptr, EVP_sha256(), nullptr, other.get()), 1);
  EXPECT_NE(EVP_DigestVerify(wrong.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
}

TEST(GitHubTime, ParsesGitHubsUtcTimes) {
  EXPECT_EQ(github::parse_github_time("2016-07-11T22:14:10Z"), std::chrono::system_clock::from_time_t(1468275250));
  EXPECT_FALSE(github::parse_github_time("2016-07-11 22:14"));
  EXPECT_FALSE(github::parse_github_time("2016-07-11T22:14:10+02:00"));
}

TEST_F(GitHubClientTest, AnAppCallsWithItsInstallationTokenAndCachesIt) {
  github::GitHub client{app_options()};
  ASSERT_TRUE(client.set_status(kRepository, "abc", {"pending", "factory/build", "queued", ""}).ok());
  ASSERT_TRUE(client.set_status(kRepository, "abc", {"success", "factory/build", "passed", ""}).ok());

  EXPECT_EQ(standin_.calls_to("GET", "/installation").size(), 1u);
  ASSERT_EQ(standin_.calls_to("POST", "/access_tokens").size(), 1u);
  const auto statuses = standin_.calls_to("POST", "/statuses/abc");
  ASSERT_EQ(statuses.size(), 2u);
  for (const auto& call : statuses) EXPECT_EQ(call.authorization, "Bearer " + standin_.issued_tokens().at(0));
  EXPECT_EQ(standin_.statuses("abc").at(1)["state"], "success");
}

TEST_F(GitHubClientTest, AnInstallationTokenIsRenewedShortlyBeforeItExpires) {
  standin_.set_token_lifetime(4min);  // inside the five-minute margin
  github::GitHub client{app_options()};
  ASSERT_TRUE(client.set_status(kRepository, "abc", {"pending", "factory/build", "", ""}).ok());
  ASSERT_TRUE(client.set_status(kRepository, "abc", {"success", "factory/build", "", ""}).ok());
  EXPECT_EQ(standin_.calls_to("POST", "/access_tokens").size(), 2u);
  EXPECT_EQ(standin_.calls_to("GET", "/installation").size(), 1u);  // the installation stays known
}

TEST_F(GitHubClientTest, AJwtOfAnotherKeyIsRefused) {
  githubtest::RsaKey other;
  std::string error;
  auto options = app_options();
  options.app_key = github::AppKey::from_pem(other.private_pem(), error);
  github::GitHub client{std::move(options)};
  const auto reply = client.set_status(kRepository, "abc", {"pending", "factory/build", "", ""});
  EXPECT_EQ(reply.status, 401);
  EXPECT_NE(reply.problem().find("JSON web token"), std::string::npos) << reply.problem();
  EXPECT_TRUE(standin_.calls_to("POST", "/statuses").empty());
}

TEST_F(GitHubClientTest, ARepositoryWithoutTheAppIsNotFound) {
  github::GitHub client{app_options()};
  EXPECT_EQ(client.set_status({"acme", "secret-plans"}, "abc", {"pending", "factory/build", "", ""}).status, 404);
}

TEST_F(GitHubClientTest, APersonalTokenIsSentAsIs) {
  standin_.accept_personal_token("ghp_personal");
  github::GitHub client{{.rest = {.api_url = standin_.url()}, .token = "ghp_personal"}};
  ASSERT_TRUE(client.set_status(kRepository, "abc", {"pending", "factory/build", "", ""}).ok());
  EXPECT_EQ(standin_.calls_to("POST", "/statuses").at(0).authorization, "Bearer ghp_personal");
  EXPECT_TRUE(standin_.calls_to("POST", "/access_tokens").empty());
  EXPECT_FALSE(client.clone_token(kRepository).ok());  // only Apps make clone tokens
}

TEST_F(GitHubClientTest, ServerErrorsAreTriedAgainWithBackoff) {
  standin_.accept_personal_token("ghp_personal");
  github::GitHub client{{.rest = {.api_url = standin_.url(), .attempts = 4, .backoff = 10ms}, .token = "ghp_personal"}};
  standin_.fail_next(3, 502);
  EXPECT_TRUE(client.set_status(kRepository, "abc", {"pending", "factory/build", "", ""}).ok());
  EXPECT_EQ(standin_.calls_to("POST", "/statuses").size(), 4u);

  standin_.fail_next(4, 503);
  const auto reply = client.set_status(kRepository, "abc", {"pending", "factory/build", "", ""});
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(standin_.calls_to("POST", "/statuses").size(), 8u);
}

TEST_F(GitHubClientTest, StoppingEndsTheWaitBetweenTries) {
  standin_.accept_personal_token("ghp_personal");
  github::GitHub client{{.rest = {.api_url = standin_.url(), .attempts = 4, .backoff = 30s}, .token = "ghp_personal"}};
  standin_.fail_next(4, 503);
  const auto start = std::chrono::steady_clock::now();
  std::thread stopper{[&] {
    std::this_thread::sleep_for(200ms);
    client.stop();
  }};
  const auto reply = client.set_status(kRepository, "abc", {"pending", "factory/build", "", ""});
  stopper.join();
  EXPECT_EQ(reply.status, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(client.set_status(kRepository, "abc", {"pending", "factory/build", "", ""}).status, 0);
  EXPECT_EQ(standin_.calls_to("POST", "/statuses").size(), 1u);
}

TEST_F(GitHubClientTest, ClientErrorsAreNotTriedAgain) {
  standin_.accept_personal_token("ghp_personal");
  github::GitHub client{{.rest = {.api_url = standin_.url(), .backoff = 10ms}, .token = "ghp_personal"}};
  const auto reply = client.set_status(kRepository, "abc", {"finished", "factory/build", "", ""});
  EXPECT_EQ(reply.status, 422);
  EXPECT_EQ(standin_.calls_to("POST", "/statuses").size(), 1u);
}

TEST_F(GitHubClientTest, RetryAfterIsHonoured) {
  standin_.accept_personal_token("ghp_personal");
  github::GitHub client{{.rest = {.api_url = standin_.url(), .longest_wait = 5s}, .token = "ghp_personal"}};
  standin_.rate_limit_next(1);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.set_status(kRepository, "abc", {"pending", "factory/build", "", ""}).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_EQ(standin_.calls_to("POST", "/statuses").size(), 2u);
}

TEST_F(GitHubClientTest, AnExhaustedRateLimitWaitsForItsReset) {
  standin_.accept_personal_token("ghp_personal");
  github::GitHub client{{.rest = {.api_url = standin_.url(), .longest_wait = 5s}, .token = "ghp_personal"}};
  standin_.rate_limit_next(2, true);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.set_status(kRepository, "abc", {"pending", "factory/build", "", ""}).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);  // the reset is a whole second, 1-2 s away
}

TEST_F(GitHubClientTest, AfterTheLastCallOfTheRateLimitTheNextWaitsForItsReset) {
  standin_.accept_personal_token("ghp_personal");
  github::GitHub client{{.rest = {.api_url = standin_.url(), .longest_wait = 5s}, .token = "ghp_personal"}};
  standin_.use_up_rate_limit(2);
  ASSERT_TRUE(client.set_status(kRepository, "abc", {"pending", "factory/build", "", ""}).ok());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.set_status(kRepository, "abc", {"success", "factory/build", "", ""}).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_EQ(standin_.calls_to("POST", "/statuses").size(), 2u);  // waited instead of being refused
}

TEST_F(GitHubClientTest, AUsedUpRateLimitFarFromItsResetRefusesWithoutCalling) {
  standin_.accept_personal_token("ghp_personal");
  github::GitHub client{{.rest = {.api_url = standin_.url(), .longest_wait = 1s}, .token = "ghp_personal"}};
  standin_.use_up_rate_limit(120);
  ASSERT_TRUE(client.set_status(kRepository, "abc", {"pending", "factory/build", "", ""}).ok());
  const auto reply = client.set_status(kRepository, "abc", {"success", "factory/build", "", ""});
  EXPECT_FALSE(reply.ok());
  ASSERT_TRUE(reply.retry_at);
  EXPECT_EQ(standin_.calls_to("POST", "/statuses").size(), 1u);
}

TEST_F(GitHubClientTest, ARateLimitTooFarAwayIsReturnedWithWhenToComeBack) {
  standin_.accept_personal_token("ghp_personal");
  github::GitHub client{{.rest = {.api_url = standin_.url(), .longest_wait = 1s}, .token = "ghp_personal"}};
  standin_.rate_limit_next(120);
  const auto reply = client.set_status(kRepository, "abc", {"pending", "factory/build", "", ""});
  EXPECT_EQ(reply.status, 429);
  ASSERT_TRUE(reply.retry_at);
  EXPECT_GT(*reply.retry_at, std::chrono::system_clock::now() + 100s);
}

TEST_F(GitHubClientTest, HooksAreCreatedAndDeleted) {
  github::GitHub client{app_options()};
  const auto created = client.create_hook(kRepository, "https://ci.example/hooks/github", "s3cret");
  ASSERT_EQ(created.status, 201) << created.problem();
  const std::int64_t id = created.body["id"];
  const json hook = standin_.hooks().at(id);
  EXPECT_EQ(hook["config"]["url"], "https://ci.example/hooks/github");
  EXPECT_EQ(hook["config"]["secret"], "s3cret");
  EXPECT_EQ(hook["config"]["content_type"], "json");
  EXPECT_EQ(hook["events"], (json{"push", "pull_request"}));

  EXPECT_EQ(client.delete_hook(kRepository, id).status, 204);
  EXPECT_TRUE(standin_.hooks().empty());
  EXPECT_EQ(client.delete_hook(kRepository, id).status, 404);
  EXPECT_EQ(client.create_hook(kRepository, "", "s3cret").status, 422);
}

TEST_F(GitHubClientTest, DeliveriesAreListedAndRedelivered) {
  github::GitHub client{app_options()};
  const std::int64_t hook = client.create_hook(kRepository, standin_.url() + "/nowhere", "s").body["id"];
  standin_.add_delivery(hook, {.id = 1, .guid = "g-1", .status_code = 202, .event = "push", .payload = "{}"});
  standin_.add_delivery(hook, {.id = 2, .guid = "g-2", .status_code = 503, .event = "push", .payload = "{}"});
  std::vector<github::Delivery> deliveries;
  ASSERT_TRUE(client.list_deliveries(kRepository, hook, deliveries).ok());
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(deliveries[0].guid, "g-2");  // newest first
  EXPECT_EQ(deliveries[0].status_code, 503);
  EXPECT_EQ(client.redeliver(kRepository, hook, 2).status, 202);
  EXPECT_EQ(standin_.calls_to("POST", "/deliveries/2/attempts").size(), 1u);
}

TEST_F(GitHubClientTest, CloneTokensAreNewAndLimitedToReadingTheRepository) {
  github::GitHub client{app_options()};
  const auto first = client.clone_token(kRepository);
  const auto second = client.clone_token(kRepository);
  ASSERT_TRUE(first.ok()) << first.problem();
  EXPECT_NE(first.body["token"], second.body["token"]);
  const auto requests = standin_.calls_to("POST", "/access_tokens");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body["repositories"], json{"rocket"});
  EXPECT_EQ(requests[0].body["permissions"], (json{{"contents", "read"}}));
}

}  // namespace
