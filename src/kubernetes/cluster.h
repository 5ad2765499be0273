// How to reach a Kubernetes API server: its URL, the CA that signs its
// certificate, and this client's credentials. Read from inside a pod (the
// service account Kubernetes mounts) or from a kubeconfig file.
//
//   std::string error;
//   auto cluster = kubernetes::load_kubeconfig("/home/ci/.kube/config", error);
//   if (!cluster) { ... error says what is wrong, where, and what to do ... }
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace kubernetes {

struct Cluster {
  std::string server;          // "https://10.96.0.1:443"; http:// only for tests and proxies
  std::string namespace_name;  // the context's or the service account's; empty when neither says
  std::string token;           // a bearer token, or
  std::filesystem::path token_file;  // one read again for every request (in-cluster tokens are rotated)
  std::filesystem::path ca_file;     // PEM; when empty, ca_data, else the system's CAs
  std::string ca_data;
  std::filesystem::path client_certificate_file, client_key_file;  // PEM, for certificate users
  std::string client_certificate_data, client_key_data;
  bool insecure = false;  // skip verifying the server's certificate
};

// Where Kubernetes mounts a pod's service account.
inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

// The configuration of a pod's own service account: the token, ca.crt and
// namespace files in `account_dir`, and the API server at
// KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT. nullopt with `error` set
// when this is not a pod (or the account is not mounted).
std::optional<Cluster> load_in_cluster(std::string& error,
                                       const std::filesystem::path& account_dir = kServiceAccountDir);

// The current context of a kubeconfig file: the subset that `kubectl config`
// writes (server, certificate-authority[-data], insecure-skip-tls-verify;
// token, tokenFile, client-certificate[-data], client-key[-data]; the
// context's namespace). Relative paths are taken from the file's folder.
// Users that run a program for credentials (exec, auth-provider) are not
// supported: `error` says so.
std::optional<Cluster> load_kubeconfig(const std::filesystem::path& path, std::string& error);

}  // namespace kubernetes
