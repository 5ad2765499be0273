// Settings resolution: precedence (flag > environment > file > default),
// values checked wherever they come from, the config file's diagnostics.
#include "server/settings.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "server_process.h"

namespace server::testing {
namespace {

std::map<std::string, std::string> fake_environment;

std::optional<std::string> from_fake_environment(const char* name) {
  const auto found = fake_environment.find(name);
  if (found == fake_environment.end()) return std::nullopt;
  return found->second;
}

class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override { fake_environment.clear(); }

  fs::path write_config(const std::string& text) {
    const fs::path path = temp.path() / "server.hcl";
    std::ofstream{path} << text;
    flags.config = path.string();
    return path;
  }
  std::optional<Settings> resolve() {
    diags = {};
    return resolve_settings(flags, from_fake_environment, diags);
  }
  std::string errors() const { return hcl::render(diags); }

  TempDir temp;
  Flags flags;
  hcl::Diagnostics diags;
};

TEST_F(SettingsTest, DefaultsServeLocallyFromFactoryData) {
  const auto settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->host, "127.0.0.1");
  EXPECT_EQ(settings->port, 8080);
  EXPECT_EQ(settings->data_dir, "factory-data");
  EXPECT_EQ(settings->database, "sqlite:factory-data/factory.db");
  EXPECT_EQ(settings->threads, 0u);
  EXPECT_EQ(settings->log_level, LogLevel::Info);
}

TEST_F(SettingsTest, AFlagBeatsTheEnvironmentWhichBeatsTheFile) {
  write_config("listen = \"127.0.0.1:1001\"\nthreads = 3\ndata_dir = \"from-file\"\nlog_level = \"warn\"\n");
  fake_environment = {{"FACTORY_LISTEN", "127.0.0.1:1002"}, {"FACTORY_THREADS", "4"}};
  flags.values = {{"listen", "127.0.0.1:1003"}};
  const auto settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->port, 1003);
  EXPECT_EQ(settings->threads, 4u);
  EXPECT_EQ(settings->data_dir, "from-file");
  EXPECT_EQ(settings->database, "sqlite:from-file/factory.db");
  EXPECT_EQ(settings->log_level, LogLevel::Warn);
}

TEST_F(SettingsTest, TheFileMayReadTheEnvironmentAndNameIPv6Hosts) {
  setenv("FACTORY_TEST_PASSWORD", "s3cret", 1);
  write_config("database = \"postgres://ci:${env.FACTORY_TEST_PASSWORD}@127.0.0.1:5432/ci\"\nlisten = \"[::1]:0\"\n");
  const auto settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->database, "postgres://ci:s3cret@127.0.0.1:5432/ci");
  EXPECT_FALSE(settings->database_is_default);
  EXPECT_EQ(settings->host, "::1");
  EXPECT_EQ(settings->port, 0);
}

TEST_F(SettingsTest, AnUnknownAttributeIsAnErrorAtItsPlaceWithASuggestion) {
  write_config("threads = 2\nlisen = \"127.0.0.1:80\"\n");
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("server.hcl:2:1: error: Unknown attribute \"lisen\""), std::string::npos) << errors();
  EXPECT_NE(errors().find("Did you mean \"listen\"?"), std::string::npos) << errors();
}

TEST_F(SettingsTest, WorkspacesLiveBesideTheDataDirectoryAndBuildsAreSandboxed) {
  flags.values = {{"data_dir", (temp.path() / "data/").string()}};
  auto settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->work_dir, temp.path() / "data.work");
  EXPECT_FALSE(settings->unsandboxed);

  fake_environment = {{"FACTORY_WORK_DIR", (temp.path() / "elsewhere").string()}, {"FACTORY_UNSANDBOXED", "true"}};
  settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->work_dir, temp.path() / "elsewhere");
  EXPECT_TRUE(settings->unsandboxed);
}

TEST_F(SettingsTest, AWorkDirectoryInsideTheDataDirectoryIsRefused) {
  const fs::path data = temp.path() / "data";
  for (const fs::path& work : {data / "agents", data, temp.path()}) {
    flags.values = {{"data_dir", data.string()}, {"work_dir", work.string()}};
    EXPECT_FALSE(resolve()) << work;
    EXPECT_NE(errors().find("must not contain one another"), std::string::npos) << errors();
  }
  flags.values = {{"unsandboxed", "yes"}};
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("Invalid unsandboxed \"yes\""), std::string::npos) << errors();
}

TEST_F(SettingsTest, BadValuesNameTheSettingAndWhereTheyCameFrom) {
  write_config("threads = 2\nlisten = \"localhost:80\"\n");
  fake_environment = {{"FACTORY_THREADS", "many"}};
  flags.values = {{"log_level", "infoo"}, {"database", "oracle://db"}};
  EXPECT_FALSE(resolve());
  const std::string text = errors();
  EXPECT_NE(text.find("server.hcl:2:10: error: Invalid listen"), std::string::npos) << text;
  EXPECT_NE(text.find("is not an IP address"), std::string::npos) << text;
  EXPECT_NE(text.find("Invalid threads \"many\" from the environment variable FACTORY_THREADS"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Invalid log_level \"infoo\" from --log-level"), std::string::npos) << text;
  EXPECT_NE(text.find("did you mean \"info\"?"), std::string::npos) << text;
  EXPECT_NE(text.find("Invalid database \"oracle://db\" from --database"), std::string::npos) << text;
}

TEST_F(SettingsTest, ConnectionLimits) {
  auto settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->max_connections, 10'000u);
  EXPECT_EQ(settings->connections_per_address, 256u);
  write_config("connections_per_address = 2000\n");
  fake_environment = {{"FACTORY_MAX_CONNECTIONS", "50000"}};
  settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->max_connections, 50'000u);
  EXPECT_EQ(settings->connections_per_address, 2'000u);
  flags.values = {{"connections_per_address", "0"}};
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("Invalid connections_per_address \"0\" from --connections-per-address"), std::string::npos)
      << errors();
  EXPECT_NE(errors().find("expected a number of connections from 1 to 1000000"), std::string::npos) << errors();
}

TEST_F(SettingsTest, GitHubIsOffUntilCredentialsAreGiven) {
  auto settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_FALSE(settings->has_github());
  EXPECT_EQ(settings->github_api_url, "https://api.github.com");
  EXPECT_EQ(settings->github_redelivery, std::chrono::minutes{10});

  write_config("github_app_id = \"4242\"\ngithub_app_key = \"/etc/factory/app.pem\"\n");
  fake_environment = {{"FACTORY_PUBLIC_URL", "https://ci.example.com/"},
                      {"FACTORY_GITHUB_API_URL", "https://github.example.com/api/v3"}};
  flags.values = {{"github_redelivery", "0"}};
  settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_TRUE(settings->has_github());
  EXPECT_EQ(settings->github_app_id, "4242");
  EXPECT_EQ(settings->github_app_key, "/etc/factory/app.pem");
  EXPECT_EQ(settings->public_url, "https://ci.example.com");
  EXPECT_EQ(settings->github_api_url, "https://github.example.com/api/v3");
  EXPECT_EQ(settings->github_redelivery.count(), 0);
}

TEST_F(SettingsTest, GitHubCredentialsMustBeWhole) {
  flags.values = {{"github_app_id", "4242"}};
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("needs both github_app_id and github_app_key"), std::string::npos) << errors();
  flags.values = {{"github_app_id", "4242"}, {"github_app_key", "app.pem"}, {"github_token", "ghp_x"}};
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("not both"), std::string::npos) << errors();
  flags.values = {{"github_app_id", "my-app"}, {"public_url", "ci.example.com"}, {"github_redelivery", "5s"}};
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("Invalid github_app_id \"my-app\" from --github-app-id"), std::string::npos) << errors();
  EXPECT_NE(errors().find("expected an http:// or https:// URL"), std::string::npos) << errors();
  EXPECT_NE(errors().find("from 1m to 24h"), std::string::npos) << errors();
}

TEST_F(SettingsTest, SigningInIsOffUntilAClientIsGiven) {
  auto settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->github_url, "https://github.com");
  EXPECT_TRUE(settings->github_client_id.empty());
  EXPECT_TRUE(settings->admins.empty());
  EXPECT_EQ(settings->session_idle, std::chrono::hours{12});
  EXPECT_EQ(settings->session_lifetime, std::chrono::hours{168});

  write_config("admins = \"from-file\"\nsession_lifetime = \"24h\"\n");
  fake_environment = {{"FACTORY_GITHUB_CLIENT_SECRET", "/etc/factory/client-secret"}};
  flags.values = {{"github_url", "https://github.example.com/"}, {"github_client_id", "Iv1.abc"},
                  {"public_url", "https://ci.example.com"}, {"admins", "mona,Hubot"}, {"session_idle", "30m"}};
  settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->github_url, "https://github.example.com");
  EXPECT_EQ(settings->github_client_id, "Iv1.abc");
  EXPECT_EQ(settings->github_client_secret, "/etc/factory/client-secret");
  EXPECT_EQ(settings->admins, (std::vector<std::string>{"mona", "Hubot"}));
  EXPECT_EQ(settings->session_idle, std::chrono::minutes{30});
  EXPECT_EQ(settings->session_lifetime, std::chrono::hours{24});
}

TEST_F(SettingsTest, SigningInNeedsTheWholeClientAndSaneSessions) {
  flags.values = {{"github_client_id", "Iv1.abc"}, {"public_url", "https://ci.example.com"}};
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("needs both github_client_id and github_client_secret"), std::string::npos) << errors();
  flags.values = {{"github_client_id", "Iv1.abc"}, {"github_client_secret", "secret-file"}};
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("needs public_url"), std::string::npos) << errors();
  flags.values = {{"admins", "mona,-bad-"}, {"session_idle", "2s"}};
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("\"-bad-\" is not a GitHub login"), std::string::npos) << errors();
  EXPECT_NE(errors().find("Invalid session_idle \"2s\" from --session-idle"), std::string::npos) << errors();
  flags.values = {{"session_idle", "48h"}, {"session_lifetime", "24h"}};
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("longer than its whole lifetime"), std::string::npos) << errors();
}

TEST_F(SettingsTest, TheAuditRetentionIsInDaysOrADuration) {
  auto settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->audit_retention, std::chrono::days{365});
  fake_environment = {{"FACTORY_AUDIT_RETENTION", "30d"}};
  settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->audit_retention, std::chrono::days{30});
  write_config("audit_retention = \"36h\"\n");
  fake_environment.clear();
  settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->audit_retention, std::chrono::hours{36});

  for (const char* refused : {"0d", "59m", "3651d", "-1d", "d", "1.5d", "1y"}) {
    flags.values = {{"audit_retention", refused}};
    EXPECT_FALSE(resolve()) << refused;
    EXPECT_NE(errors().find("from --audit-retention"), std::string::npos) << errors();
  }
}

TEST_F(SettingsTest, KubernetesAndConsulSettings) {
  write_config("provisioner = \"kubernetes\"\nagent_requests = \"cpu=500m,memory=1Gi\"\njob_ttl = \"10m\"\n");
  fake_environment = {{"FACTORY_KUBERNETES_NAMESPACE", "ci"}, {"FACTORY_CONSUL", "http://127.0.0.1:8500/"}};
  flags.values = {{"agent_server_url", "http://factory.ci.svc:8080"}, {"job_deadline", "2h"}};
  const auto settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->provisioner, Provisioner::Kubernetes);
  EXPECT_EQ(settings->kubernetes_namespace, "ci");
  EXPECT_EQ(settings->agent_requests, (std::map<std::string, std::string>{{"cpu", "500m"}, {"memory", "1Gi"}}));
  EXPECT_TRUE(settings->agent_limits.empty());
  EXPECT_EQ(settings->job_ttl, std::chrono::minutes{10});
  EXPECT_EQ(settings->job_deadline, std::chrono::hours{2});
  EXPECT_EQ(settings->agent_server_url, "http://factory.ci.svc:8080");
  EXPECT_EQ(settings->consul, "http://127.0.0.1:8500");
  EXPECT_EQ(settings->consul_service, "factory");
  EXPECT_TRUE(settings->kubeconfig.empty()) << "in-cluster";
}

TEST_F(SettingsTest, BadKubernetesSettingsSayWhatToWrite) {
  flags.values = {{"agent_limits", "cpus=2"},
                  {"agent_requests", "memory=lots"},
                  {"kubernetes_namespace", "CI_Builds"},
                  {"kubeconfig", (temp.path() / "missing").string()},
                  {"job_deadline", "30s"}};
  EXPECT_FALSE(resolve());
  const std::string text = errors();
  EXPECT_NE(text.find("did you mean \"cpu\"?"), std::string::npos) << text;
  EXPECT_NE(text.find("\"lots\" is not a quantity such as 500m"), std::string::npos) << text;
  EXPECT_NE(text.find("a namespace is a DNS label"), std::string::npos) << text;
  EXPECT_NE(text.find("Invalid kubeconfig"), std::string::npos) << text;
  EXPECT_NE(text.find("expected a duration from 1m to 168h"), std::string::npos) << text;
}

TEST_F(SettingsTest, TheAgentGraceIsADurationFromATenthOfASecondToTenMinutes) {
  ASSERT_TRUE(resolve()) << errors();
  EXPECT_EQ(resolve()->agent_grace, std::chrono::seconds{10});
  fake_environment = {{"FACTORY_AGENT_GRACE", "500ms"}};
  ASSERT_TRUE(resolve()) << errors();
  EXPECT_EQ(resolve()->agent_grace, std::chrono::milliseconds{500});
  flags.values = {{"agent_grace", "1h"}};
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("Invalid agent_grace \"1h\" from --agent-grace"), std::string::npos) << errors();
  EXPECT_NE(errors().find("expected a grace period from 100ms to 10m"), std::string::npos) << errors();
}

TEST_F(SettingsTest, TypeAndSyntaxErrorsInTheFileAreReported) {
  write_config("threads = [1]\nblock {\n}\n");
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("server.hcl:1:11: error: Wrong type for \"threads\""), std::string::npos) << errors();
  EXPECT_NE(errors().find("server.hcl:2:1: error: Unexpected block \"block\""), std::string::npos) << errors();
  write_config("listen = \"127.0.0.1:80\n");
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("server.hcl:1:"), std::string::npos) << errors();
}

TEST_F(SettingsTest, TheConfigFileMayComeFromTheEnvironment) {
  write_config("listen = \"127.0.0.1:1234\"\n");
  fake_environment = {{"FACTORY_CONFIG", *flags.config}};
  flags.config.reset();
  const auto settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->port, 1234);
}

TEST_F(SettingsTest, AMissingConfigFileIsAnError) {
  flags.config = (temp.path() / "missing.hcl").string();
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("missing.hcl"), std::string::npos) << errors();
}

// The binary: a bad setting exits 2 before anything is created.
TEST_F(SettingsTest, BlobsLiveInTheDataDirectoryUnlessABucketOrAnotherDirectoryIsNamed) {
  flags.values = {{"data_dir", "data"}};
  auto settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->blobs_dir, fs::path{"data"} / "blobs");
  EXPECT_TRUE(settings->blobs_s3_endpoint.empty());
  write_config("blobs_s3_endpoint = \"http://127.0.0.1:9000/\"\nblobs_s3_bucket = \"ci-cache\"\n");
  fake_environment = {{"FACTORY_BLOBS_S3_PREFIX", "factory/"}, {"FACTORY_BLOBS_DIR", "/mnt/shared/blobs"}};
  settings = resolve();
  ASSERT_TRUE(settings) << errors();
  EXPECT_EQ(settings->blobs_s3_endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(settings->blobs_s3_bucket, "ci-cache");
  EXPECT_EQ(settings->blobs_s3_region, "us-east-1");
  EXPECT_EQ(settings->blobs_s3_prefix, "factory/");
  EXPECT_EQ(settings->blobs_dir, "/mnt/shared/blobs");
}

TEST_F(SettingsTest, ABucketNeedsItsNameAndAValidOne) {
  flags.values = {{"blobs_s3_endpoint", "http://127.0.0.1:9000"}};
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("need the bucket's name: set blobs_s3_bucket"), std::string::npos) << errors();
  flags.values["blobs_s3_bucket"] = "Not_A_Bucket";
  EXPECT_FALSE(resolve());
  EXPECT_NE(errors().find("3 to 63 lower-case letters"), std::string::npos) << errors();
}

TEST_F(SettingsTest, TheServerKeepsBlobsWhereItIsToldAndWantsS3CredentialsOutsideItsFlags) {
  const fs::path data_dir = temp.path() / "data", blobs = temp.path() / "shared-blobs";
  {
    ServerProcess server{{"--data-dir", data_dir.string(), "--blobs-dir", blobs.string()}};
    ASSERT_NE(server.port(), 0) << server.child().err();
    EXPECT_TRUE(fs::is_directory(blobs / "blobs"));
    EXPECT_NE(server.child().out().find("caches and artifacts: directory " + blobs.string()), std::string::npos)
        << server.child().out();
  }
  Child no_credentials{{"server", "--data-dir", data_dir.string(), "--listen", "127.0.0.1:0", "--blobs-s3-endpoint",
                        "http://127.0.0.1:9", "--blobs-s3-bucket", "ci-cache"}};
  EXPECT_EQ(no_credentials.wait(), 1);
  EXPECT_NE(no_credentials.err().find("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"), std::string::npos)
      << no_credentials.err();
  const fs::path credentials = temp.path() / "s3.key";
  std::ofstream{credentials} << "AKIAEXAMPLE\n";
  Child half{{"server", "--data-dir", data_dir.string(), "--listen", "127.0.0.1:0", "--blobs-s3-endpoint",
              "http://127.0.0.1:9", "--blobs-s3-bucket", "ci-cache", "--blobs-s3-credentials", credentials.string()}};
  EXPECT_EQ(half.wait(), 1);
  EXPECT_NE(half.err().find("expected two lines"), std::string::npos) << half.err();
}

TEST_F(SettingsTest, TheServerExitsTwoOnABadSettingAndCreatesNothing) {
  const fs::path data_dir = temp.path() / "data";
  const fs::path config = write_config("data_dir = \"" + data_dir.string() + "\"\nlisen = \"127.0.0.1:0\"\n");
  Child from_file{{"server", "--config", config.string()}};
  EXPECT_EQ(from_file.wait(), 2);
  EXPECT_NE(from_file.err().find(config.string() + ":2:1: error: Unknown attribute \"lisen\""), std::string::npos)
      << from_file.err();
  Child from_flag{{"server", "--data-dir", data_dir.string(), "--listen", "127.0.0.1:99999"}};
  EXPECT_EQ(from_flag.wait(), 2);
  EXPECT_NE(from_flag.err().find("--listen"), std::string::npos) << from_flag.err();
  Child from_environment{{"server", "--data-dir", data_dir.string()}, {"FACTORY_THREADS=-1"}};
  EXPECT_EQ(from_environment.wait(), 2);
  EXPECT_NE(from_environment.err().find("FACTORY_THREADS"), std::string::npos) << from_environment.err();
  EXPECT_FALSE(fs::exists(data_dir));
}

TEST_F(SettingsTest, TheServerTakesTheEnvironmentOverTheFile) {
  const fs::path config = write_config("data_dir = \"" + (temp.path() / "from-file").string() + "\"\n");
  ServerProcess server{{"--config", config.string()}, {"FACTORY_DATA_DIR=" + (temp.path() / "from-env").string()}};
  ASSERT_NE(server.port(), 0) << server.child().err();
  EXPECT_TRUE(fs::exists(temp.path() / "from-env" / "admin.token"));
  EXPECT_FALSE(fs::exists(temp.path() / "from-file"));
}

}  // namespace
}  // namespace server::testing
