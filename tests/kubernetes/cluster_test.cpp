// `factory server --provisioner kubernetes` against kube_standin, a stand-in
// for the Kubernetes API server that runs each Job's agent as a local
// process (see kube_standin.cpp): webhooks become Jobs, the agents in them
// run the workflows, failures to start end them as errors with the pod's
// reason, and cancelling deletes the Job. The real `kubectl` applies
// deploy/kubernetes/ and lists the Jobs, checking the manifests and the
// stand-in's fidelity both.
#include <set>

#include "cli/ci_server.h"
#include "cli/tls_proxy.h"
#include "core/base64.h"

namespace {

using clitest::contains;
using clitest::json;
using clitest::wait_until;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kNamespace = "ci";

class KubernetesCluster : public clitest::CiServer {
 protected:
  ~KubernetesCluster() override {
    tls_proxy_.reset();
    stand_in_.reset();
  }
  // The agents' logs too, to see why a test failed.
  void TearDown() override {
    CiServer::TearDown();
    if (!HasFailure()) return;
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(root() / "cluster" / "pods", ignored))
      if (entry.path().extension() == ".log")
        std::cerr << "----- pod " << entry.path().filename().string() << "\n" << clitest::read_file(entry.path());
  }

  // The stand-in, a kubeconfig for it, and the server using it with the
  // Kubernetes flags of start_factory().
  void start_cluster(const std::vector<std::string>& flags = {}) {
    start_stand_in();
    write_kubeconfig("http://127.0.0.1:" + std::to_string(cluster_port_), "    token: not-checked-by-the-stand-in\n");
    start_factory(flags);
  }

  void start_stand_in() {
    const fs::path dir = root() / "cluster";
    fs::create_directories(dir);
    const fs::path log = root() / "kube-standin.log";
    stand_in_ = std::make_unique<clitest::Process>(
        std::vector<std::string>{(binary_dir() / "kube_standin").string(), "--agent",
                                 (binary_dir() / "factory-agent").string(), "--dir", dir.string()},
        log);
    cluster_port_ = clitest::announced_port(log, "listening on ", 10s);
    cluster_ = std::make_unique<http::testing::Client>(cluster_port_);
  }

  // `factory server` with these Kubernetes flags, as `flags` change them.
  void start_factory(const std::vector<std::string>& flags) {
    std::vector<std::string> all = flags;
    const std::pair<std::string, std::string> defaults[] = {
        {"--provisioner", "kubernetes"},          {"--kubeconfig", kubeconfig().string()},
        {"--agent-requests", "cpu=250m,memory=256Mi"}, {"--agent-limits", "cpu=1,memory=1Gi"},
        {"--job-ttl", "10m"},                     {"--job-deadline", "1h"}};
    for (const auto& [flag, value] : defaults)
      if (std::find(flags.begin(), flags.end(), flag) == flags.end()) all.insert(all.end(), {flag, value});
    start(all);
  }

  static fs::path binary_dir() { return testpaths::factory_binary().parent_path(); }
  fs::path kubeconfig() const { return root() / "kubeconfig"; }

  // As `kubectl config` writes it: the cluster at `server`, a user with
  // `user_fields` (indented), and a context that names the namespace.
  void write_kubeconfig(const std::string& server, const std::string& user_fields,
                        const std::string& cluster_fields = {}) {
    std::ofstream{kubeconfig()} << "apiVersion: v1\nkind: Config\ncurrent-context: standin\n"
                                << "clusters:\n- name: standin\n  cluster:\n    server: " << server << "\n"
                                << cluster_fields << "users:\n- name: ci\n  user:\n"
                                << user_fields
                                << "contexts:\n- name: standin\n  context:\n    cluster: standin\n    user: ci\n"
                                << "    namespace: " << kNamespace << "\n";
  }

  // socat terminating TLS in front of the stand-in, as an API server does:
  // its certificate signed by a CA of the test's, and a client certificate
  // from that CA required. The kubeconfig carries the CA and the client's
  // certificate and key as *-data fields.
  void serve_over_tls() {
    const fs::path dir = root() / "tls";
    fs::create_directories(dir);
    const auto made = clitest::make_test_certificates(dir);
    ASSERT_EQ(made.exit_code, 0) << made.output;
    tls_proxy_ = std::make_unique<clitest::TlsProxy>(dir, cluster_port_, root() / "socat.log");
    const std::uint16_t port = tls_proxy_->port();
    const auto data = [&](const char* file) { return core::base64_encode(clitest::read_file(dir / file)); };
    write_kubeconfig("https://127.0.0.1:" + std::to_string(port),
                     "    client-certificate-data: " + data("client.pem") + "\n    client-key-data: " +
                         data("client.key") + "\n",
                     "    certificate-authority-data: " + data("ca.pem") + "\n");
    const std::string curl = "curl -sf --cacert " + clitest::quote((dir / "ca.pem").string()) + " https://127.0.0.1:" +
                             std::to_string(port) + "/version >/dev/null";
    const std::string as_client = " --cert " + clitest::quote((dir / "client.pem").string()) + " --key " +
                                  clitest::quote((dir / "client.key").string());
    ASSERT_TRUE(wait_until([&] { return clitest::shell(curl + as_client).exit_code == 0; }, 10s)) << "no TLS yet";
    ASSERT_NE(clitest::shell(curl).exit_code, 0) << "a client certificate is required";
  }

  json cluster_get(const std::string& path) {
    const auto reply = cluster_->request("GET", path);
    if (reply.status != 200) throw std::runtime_error("GET " + path + ": " + std::to_string(reply.status));
    return json::parse(reply.body);
  }
  json jobs() { return cluster_get(std::string{"/apis/batch/v1/namespaces/"} + kNamespace + "/jobs")["items"]; }
  json secret(const std::string& name) {
    return cluster_get(std::string{"/api/v1/namespaces/"} + kNamespace + "/secrets/" + name);
  }
  json pods() { return cluster_get(std::string{"/api/v1/namespaces/"} + kNamespace + "/pods")["items"]; }

  // The outcome of `kubectl ARGS` against the stand-in.
  clitest::Outcome kubectl(const std::string& arguments) {
    return clitest::shell("kubectl --kubeconfig " + clitest::quote(kubeconfig().string()) + " " + arguments +
                          " 2>&1");
  }

  std::uint16_t cluster_port_ = 0;
  std::unique_ptr<http::testing::Client> cluster_;
  std::unique_ptr<clitest::Process> stand_in_;
  std::unique_ptr<clitest::TlsProxy> tls_proxy_;
};

TEST_F(KubernetesCluster, RunsEachWorkflowInAJobOfItsOwn) {
  const std::string sha = create_repository_running("echo built in a pod", "build");
  start_cluster();
  const std::string id = push_hook("refs/heads/main", sha);
  const json done = wait_for_end(id);
  ASSERT_EQ(done["status"], "success") << done.dump(1);
  EXPECT_TRUE(contains(log(clitest::first_execution(done, "build")), "built in a pod\n"));

  // The agent exits just after it reported the end.
  EXPECT_TRUE(wait_until([&] { return jobs().size() == 1 && jobs()[0]["status"].contains("succeeded"); }, 5s));
  const json all = jobs();
  ASSERT_EQ(all.size(), 1u) << all.dump(1);
  const json& job = all[0];
  EXPECT_EQ(job["metadata"]["namespace"], kNamespace);
  EXPECT_EQ(job["metadata"]["labels"]["app.kubernetes.io/managed-by"], "factory");
  EXPECT_EQ(job["metadata"]["labels"]["factory.dev/workflow"], id);
  EXPECT_EQ(job["spec"]["ttlSecondsAfterFinished"], 600);
  EXPECT_EQ(job["spec"]["activeDeadlineSeconds"], 3600);
  EXPECT_EQ(job["spec"]["backoffLimit"], 0);
  const json container = job["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["image"], "factory:latest");
  EXPECT_EQ(
      container["resources"],
      json::parse(R"({"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}})"));
  EXPECT_EQ(job["status"]["succeeded"], 1) << job.dump(1);

  // The token is in the Secret the pod's env refers to, and nowhere in the Job.
  const std::string name = job["metadata"]["name"];
  EXPECT_EQ(container["env"][0]["valueFrom"]["secretKeyRef"],
            json::parse(R"({"name": ")" + name + R"(", "key": "token"})"));
  const json token_secret = secret(name);
  const auto token = core::base64_decode(token_secret["data"]["token"].get<std::string>());
  ASSERT_TRUE(token && token->size() > 20) << token_secret.dump(1);
  EXPECT_FALSE(contains(job.dump(), *token));
  EXPECT_EQ(token_secret["metadata"]["ownerReferences"][0]["uid"], job["metadata"]["uid"]) << "deleted with its Job";

  const json pod = pods()[0];
  EXPECT_EQ(pod["status"]["phase"], "Succeeded");
  const auto pod_log = cluster_->request("GET", std::string{"/api/v1/namespaces/"} + kNamespace + "/pods/" +
                                                    pod["metadata"]["name"].get<std::string>() + "/log");
  EXPECT_EQ(pod_log.status, 200);
}

TEST_F(KubernetesCluster, AnImageThatCannotBePulledEndsTheWorkflowAsErrorWithThePodsReason) {
  const std::string sha = create_repository_running("true", "build");
  start_cluster({"--agent-image", "registry.example/does-not-exist:1"});
  const json failed = wait_for_end(push_hook("refs/heads/main", sha), 20s);
  EXPECT_EQ(failed["status"], "error") << failed.dump(1);
  EXPECT_TRUE(contains(failed["status_reason"], "ErrImagePull")) << failed.dump(1);
  EXPECT_TRUE(contains(failed["status_reason"], "does-not-exist")) << failed.dump(1);
  EXPECT_TRUE(wait_until([&] { return jobs().empty(); }, 10s)) << "its Job is deleted: " << jobs().dump(1);
}

TEST_F(KubernetesCluster, AnUnschedulablePodEndsTheWorkflowAsError) {
  const std::string sha = create_repository_running("true", "build");
  start_cluster({"--agent-requests", "cpu=64"});
  const json failed = wait_for_end(push_hook("refs/heads/main", sha), 20s);
  EXPECT_EQ(failed["status"], "error") << failed.dump(1);
  EXPECT_TRUE(contains(failed["status_reason"], "Unschedulable: 0/1 nodes are available")) << failed.dump(1);
}

// Over TLS, with the server's CA and a client certificate from the
// kubeconfig's *-data fields, as kubeconfigs of real clusters have them.
TEST_F(KubernetesCluster, TalksTlsWithTheKubeconfigsCaAndClientCertificate) {
  const std::string sha = create_repository_running("echo over tls", "build");
  start_stand_in();
  serve_over_tls();
  start_factory({});
  const json done = wait_for_end(push_hook("refs/heads/main", sha));
  EXPECT_EQ(done["status"], "success") << done.dump(1);
  EXPECT_EQ(jobs().size(), 1u);
}

// A cluster that cannot be reached ends the workflow as error saying so,
// rather than leaving it queued.
TEST_F(KubernetesCluster, AnUnreachableClusterEndsTheWorkflowAsErrorSayingWhy) {
  const std::string sha = create_repository_running("true", "build");
  start_cluster();
  stand_in_.reset();
  const json failed = wait_for_end(push_hook("refs/heads/main", sha), 20s);
  EXPECT_EQ(failed["status"], "error") << failed.dump(1);
  EXPECT_TRUE(contains(failed["status_reason"], "could not start its agent: cannot create the Secret factory-"))
      << failed.dump(1);
  EXPECT_TRUE(contains(failed["status_reason"], "no answer from the Kubernetes API server")) << failed.dump(1);
}

// An agent that dies mid-run fails its Job; the workflow ends as error with
// the Job's condition and the last line of the pod's log.
TEST_F(KubernetesCluster, AnAgentThatDiesEndsTheWorkflowAsErrorWithItsLastWords) {
  const std::string sha = create_repository_running("kill -9 $PPID", "build");  // the execution's parent is the agent
  start_cluster();
  const json failed = wait_for_end(push_hook("refs/heads/main", sha), 20s);
  EXPECT_EQ(failed["status"], "error") << failed.dump(1);
  const std::string reason = failed["status_reason"];
  EXPECT_TRUE(contains(reason, ") failed (BackoffLimitExceeded: Job has reached the specified backoff limit)"))
      << reason;
  EXPECT_TRUE(contains(reason, "; its log ends: factory agent: ")) << reason;
}

// The agent confirms the cancel and exits; then its Job is deleted.
TEST_F(KubernetesCluster, CancellingDeletesTheJob) {
  const std::string sha = create_repository_running("sleep 60", "build");
  start_cluster();
  const std::string id = push_hook("refs/heads/main", sha);
  ASSERT_TRUE(wait_until([&] { return running("sleep").size() == 1; }, 20s)) << workflow(id).dump(1);
  ASSERT_EQ(jobs().size(), 1u);

  EXPECT_EQ(api("POST", "/api/v1/workflows/" + id + "/cancel").status, 202);
  const json cancelled = wait_for_end(id, 10s);
  EXPECT_EQ(cancelled["status"], "cancelled") << cancelled.dump(1);
  EXPECT_TRUE(wait_until([&] { return jobs().empty(); }, 5s)) << jobs().dump(1);
  EXPECT_TRUE(wait_until([&] { return running("sleep").empty(); }, 5s));
}

TEST_F(KubernetesCluster, KubectlAppliesTheManifestsAndListsTheJobs) {
  const std::string sha = create_repository_running("true", "build");
  start_cluster();
  const std::string manifests = (testpaths::source_dir() / "deploy" / "kubernetes").string();
  const auto applied = kubectl("apply --validate=false -f " + clitest::quote(manifests));
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  for (const char* created :
       {"serviceaccount/factory created", "role.rbac.authorization.k8s.io/factory created",
        "rolebinding.rbac.authorization.k8s.io/factory created", "secret/factory-database created",
        "persistentvolumeclaim/factory-data created", "deployment.apps/factory created", "service/factory created"})
    EXPECT_TRUE(contains(applied.output, created)) << applied.output;
  const auto again = kubectl("apply --validate=false -f " + clitest::quote(manifests));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(contains(again.output, "deployment.apps/factory unchanged")) << again.output;

  const auto listed_server = kubectl("get deploy,svc,sa -o name");
  EXPECT_EQ(listed_server.output, "deployment.apps/factory\nservice/factory\nserviceaccount/factory\n");

  const json deployment = cluster_get(std::string{"/apis/apps/v1/namespaces/"} + kNamespace + "/deployments/factory");
  EXPECT_EQ(deployment["spec"]["template"]["spec"]["serviceAccountName"], "factory");
  const json role = cluster_get(std::string{"/apis/rbac.authorization.k8s.io/v1/namespaces/"} + kNamespace +
                                "/roles/factory");
  std::set<std::string> resources;
  for (const auto& rule : role["rules"])
    for (const auto& resource : rule["resources"]) resources.insert(resource);
  EXPECT_EQ(resources, (std::set<std::string>{"jobs", "pods", "pods/log", "secrets"}));

  const std::string id = push_hook("refs/heads/main", sha);
  ASSERT_EQ(wait_for_end(id)["status"], "success");
  const auto listed = kubectl("get jobs -o name");
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(clitest::trimmed(listed.output), "job.batch/" + jobs()[0]["metadata"]["name"].get<std::string>());
  const auto selected = kubectl("get jobs -l factory.dev/workflow=" + id + " -o jsonpath={.items[0].status.succeeded}");
  EXPECT_EQ(selected.output, "1");
}

// Outside a pod and without a kubeconfig there is no cluster to talk to:
// the server says so and what to give it, and does not start.
TEST(KubernetesSettings, OutsideAPodTheServerAsksForAKubeconfig) {
  testpaths::TempDir data{"factory-kube"};
  const auto outcome = clitest::shell("env -u KUBERNETES_SERVICE_HOST " +
                                      clitest::quote(testpaths::factory_binary().string()) +
                                      " server --listen 127.0.0.1:0 --provisioner kubernetes --data-dir " +
                                      clitest::quote((data.path() / "data").string()) + " 2>&1");
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "not inside a Kubernetes pod")) << outcome.output;
  EXPECT_TRUE(contains(outcome.output, "--kubeconfig")) << outcome.output;
}

}  // namespace
