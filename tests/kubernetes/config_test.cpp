// Reading a cluster's configuration: kubeconfig files as `kubectl config`
// writes them, and a pod's service account.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "core/base64.h"
#include "kubernetes/cluster.h"
#include "temp_dir.h"

namespace kubernetes {
namespace {

class KubeconfigTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& text) {
    const auto path = dir_.path() / "config";
    std::ofstream{path} << text;
    return path;
  }

  testpaths::TempDir dir_;
  std::string error_;
};

TEST_F(KubeconfigTest, TakesTheCurrentContextsClusterUserAndNamespace) {
  const std::string ca = core::base64_encode("CA PEM"), key = core::base64_encode("KEY PEM");
  const auto path = write("apiVersion: v1\nkind: Config\ncurrent-context: prod\nclusters:\n"
                          "- name: dev\n  cluster:\n    server: https://dev.example:6443\n"
                          "- name: prod\n  cluster:\n    server: https://prod.example:6443\n"
                          "    certificate-authority-data: " + ca + "\n"
                          "users:\n- name: ci\n  user:\n    client-certificate: certs/ci.crt\n"
                          "    client-key-data: " + key + "\n"
                          "contexts:\n- name: prod\n  context:\n    cluster: prod\n    user: ci\n"
                          "    namespace: builds\n");
  const auto cluster = load_kubeconfig(path, error_);
  ASSERT_TRUE(cluster) << error_;
  EXPECT_EQ(cluster->server, "https://prod.example:6443");
  EXPECT_EQ(cluster->namespace_name, "builds");
  EXPECT_EQ(cluster->ca_data, "CA PEM");
  EXPECT_EQ(cluster->client_certificate_file, dir_.path() / "certs/ci.crt") << "relative to the file";
  EXPECT_EQ(cluster->client_key_data, "KEY PEM");
  EXPECT_TRUE(cluster->token.empty());
}

TEST_F(KubeconfigTest, SaysWhatIsMissing) {
  const auto path = write("current-context: nowhere\ncontexts: []\n");
  EXPECT_FALSE(load_kubeconfig(path, error_));
  EXPECT_EQ(error_, "kubeconfig " + path.string() + ": the current context \"nowhere\" is not among its contexts");
}

TEST_F(KubeconfigTest, RefusesCredentialProgramsAndSaysWhatToUseInstead) {
  const auto path = write("current-context: c\nclusters:\n- name: k\n  cluster:\n    server: https://k:443\n"
                          "users:\n- name: u\n  user:\n    exec:\n      command: gke-gcloud-auth-plugin\n"
                          "contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n");
  EXPECT_FALSE(load_kubeconfig(path, error_));
  EXPECT_NE(error_.find("gets credentials from a program"), std::string::npos) << error_;
  EXPECT_NE(error_.find("give it a token"), std::string::npos) << error_;
}

TEST_F(KubeconfigTest, PointsAtBadYaml) {
  const auto path = write("current-context: [\n");
  EXPECT_FALSE(load_kubeconfig(path, error_));
  EXPECT_TRUE(error_.starts_with("kubeconfig " + path.string() + ":2:")) << error_;
}

TEST(InClusterTest, ReadsTheServiceAccountAndTheServiceAddress) {
  testpaths::TempDir account;
  std::ofstream{account.path() / "token"} << "token-1\n";
  std::ofstream{account.path() / "namespace"} << "ci\n";
  std::string error;
  unsetenv("KUBERNETES_SERVICE_HOST");
  EXPECT_FALSE(load_in_cluster(error, account.path()));
  EXPECT_NE(error.find("--kubeconfig"), std::string::npos) << error;

  setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  const auto cluster = load_in_cluster(error, account.path());
  ASSERT_TRUE(cluster) << error;
  EXPECT_EQ(cluster->server, "https://10.96.0.1:443");
  EXPECT_EQ(cluster->namespace_name, "ci");
  EXPECT_EQ(cluster->token_file, account.path() / "token") << "read at each request: it is rotated";
  EXPECT_EQ(cluster->ca_file, account.path() / "ca.crt");
}

}  // namespace
}  // namespace kubernetes
