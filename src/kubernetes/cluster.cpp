#include "kubernetes/cluster.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "core/base64.h"

namespace kubernetes {

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream file{path};
  return std::string{std::istreambuf_iterator<char>{file}, {}};
}

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

// The entry named `name` of a kubeconfig list (clusters, users, contexts),
// whose items are {name: ..., <field>: {...}}.
std::optional<YAML::Node> named_entry(const YAML::Node& list, const std::string& name, const char* field) {
  if (!list || !list.IsSequence()) return std::nullopt;
  for (const auto& item : list)
    if (item["name"] && item["name"].as<std::string>() == name && item[field]) return item[field];
  return std::nullopt;
}

std::string text_of(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  return value && value.IsScalar() ? value.as<std::string>() : std::string{};
}

std::filesystem::path beside(const std::filesystem::path& config, const std::string& path) {
  if (path.empty()) return {};
  const std::filesystem::path given{path};
  return given.is_absolute() ? given : config.parent_path() / given;
}

// A *-data field's PEM text; false when it is not base64.
bool decoded(const YAML::Node& node, const char* key, std::string& out) {
  const std::string text = text_of(node, key);
  if (text.empty()) return true;
  auto bytes = core::base64_decode(text);
  if (!bytes) return false;
  out = std::move(*bytes);
  return true;
}

std::optional<Cluster> from_kubeconfig(const YAML::Node& root, const std::filesystem::path& path,
                                       std::string& error) {
  const std::string where = "kubeconfig " + path.string() + ": ";
  const std::string context_name = text_of(root, "current-context");
  if (context_name.empty()) {
    error = where + "no current-context; choose one with `kubectl config use-context NAME`";
    return std::nullopt;
  }
  const auto context = named_entry(root["contexts"], context_name, "context");
  if (!context) {
    error = where + "the current context \"" + context_name + "\" is not among its contexts";
    return std::nullopt;
  }
  const std::string cluster_name = text_of(*context, "cluster");
  const auto cluster_node = named_entry(root["clusters"], cluster_name, "cluster");
  if (!cluster_node || text_of(*cluster_node, "server").empty()) {
    error = where + "the context \"" + context_name + "\" names the cluster \"" + cluster_name +
            "\", which is missing or has no server";
    return std::nullopt;
  }
  Cluster cluster;
  cluster.server = text_of(*cluster_node, "server");
  cluster.namespace_name = text_of(*context, "namespace");
  cluster.ca_file = beside(path, text_of(*cluster_node, "certificate-authority"));
  cluster.insecure = text_of(*cluster_node, "insecure-skip-tls-verify") == "true";
  const std::string user_name = text_of(*context, "user");
  const YAML::Node user = named_entry(root["users"], user_name, "user").value_or(YAML::Node{});
  if (user["exec"] || user["auth-provider"]) {
    error = where + "the user \"" + user_name +
            "\" gets credentials from a program (exec or auth-provider), which FactoryCI does not run; "
            "give it a token (a service account's, see docs/kubernetes.md) or a client certificate";
    return std::nullopt;
  }
  cluster.token = text_of(user, "token");
  cluster.token_file = beside(path, text_of(user, "tokenFile"));
  cluster.client_certificate_file = beside(path, text_of(user, "client-certificate"));
  cluster.client_key_file = beside(path, text_of(user, "client-key"));
  const bool base64_ok = decoded(*cluster_node, "certificate-authority-data", cluster.ca_data) &&
                         decoded(user, "client-certificate-data", cluster.client_certificate_data) &&
                         decoded(user, "client-key-data", cluster.client_key_data);
  if (!base64_ok) {
    error = where + "a *-data field of the cluster \"" + cluster_name + "\" or the user \"" + user_name +
            "\" is not base64; copy it again from the kubeconfig your cluster gave you";
    return std::nullopt;
  }
  return cluster;
}

}  // namespace

std::optional<Cluster> load_in_cluster(std::string& error, const std::filesystem::path& account_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !port || !*host || !*port) {
    error = "not inside a Kubernetes pod (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset); "
            "give a kubeconfig file with --kubeconfig";
    return std::nullopt;
  }
  if (!std::filesystem::exists(account_dir / "token")) {
    error = "no service account token in " + account_dir.string() +
            "; set automountServiceAccountToken: true on the server's pod (deploy/kubernetes/server.yaml)";
    return std::nullopt;
  }
  const std::string host_text{host};
  Cluster cluster;
  cluster.server = "https://" + (host_text.find(':') != std::string::npos ? "[" + host_text + "]" : host_text) +
                   ":" + port;
  cluster.token_file = account_dir / "token";
  cluster.ca_file = account_dir / "ca.crt";
  cluster.namespace_name = trimmed(read_text(account_dir / "namespace"));
  return cluster;
}

std::optional<Cluster> load_kubeconfig(const std::filesystem::path& path, std::string& error) {
  try {
    return from_kubeconfig(YAML::LoadFile(path.string()), path, error);
  } catch (const YAML::BadFile&) {
    error = "kubeconfig " + path.string() + ": cannot be read; check the path and its permissions";
  } catch (const YAML::Exception& problem) {
    error = "kubeconfig " + path.string() + ":" + std::to_string(problem.mark.line + 1) + ":" +
            std::to_string(problem.mark.column + 1) + ": not valid YAML: " + problem.msg;
  }
  return std::nullopt;
}

}  // namespace kubernetes
