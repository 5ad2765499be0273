// Checking the text of one setting, wherever it came from. Each function
// stores the value in `settings` and returns an empty string, or returns what
// is wrong with the text, in words for the person who wrote it.
#pragma once

#include <string>
#include <string_view>

#include "server/settings.h"

namespace server {

std::string set_listen(Settings& settings, std::string_view text);     // HOST:PORT, [IPv6]:PORT
std::string set_data_dir(Settings& settings, std::string_view text);
std::string set_work_dir(Settings& settings, std::string_view text);
std::string set_unsandboxed(Settings& settings, std::string_view text);  // true, false
std::string set_database(Settings& settings, std::string_view text);   // a store URL
std::string set_threads(Settings& settings, std::string_view text);    // 0..1024
std::string set_log_level(Settings& settings, std::string_view text);  // error, warn, info
std::string set_provisioner(Settings& settings, std::string_view text);  // local, pool, kubernetes
std::string set_max_agents(Settings& settings, std::string_view text);   // 1..256
std::string set_max_connections(Settings& settings, std::string_view text);        // 1..1,000,000
std::string set_connections_per_address(Settings& settings, std::string_view text);  // 1..1,000,000
std::string set_lease(Settings& settings, std::string_view text);        // a duration, 2s..1h
std::string set_agent_grace(Settings& settings, std::string_view text);  // a duration, 100ms..10m
std::string set_public_url(Settings& settings, std::string_view text);      // http(s)://HOST[:PORT][/PATH]
std::string set_github_api_url(Settings& settings, std::string_view text);  // http(s)://…
std::string set_github_app_id(Settings& settings, std::string_view text);   // digits
std::string set_github_app_key(Settings& settings, std::string_view text);  // a file
std::string set_github_token(Settings& settings, std::string_view text);
std::string set_github_redelivery(Settings& settings, std::string_view text);  // 0, or a duration 1m..24h
std::string set_github_url(Settings& settings, std::string_view text);        // http(s)://…
std::string set_github_client_id(Settings& settings, std::string_view text);
std::string set_github_client_secret(Settings& settings, std::string_view text);  // a file
std::string set_admins(Settings& settings, std::string_view text);           // logins, comma-separated
std::string set_session_idle(Settings& settings, std::string_view text);     // a duration, 1m..720h
std::string set_session_lifetime(Settings& settings, std::string_view text); // a duration, 1m..8760h
std::string set_audit_retention(Settings& settings, std::string_view text);    // 365d, or a duration; 1h..3650d
std::string set_schedule_catch_up(Settings& settings, std::string_view text);  // 2d, or a duration; 1m..7d
std::string set_kubeconfig(Settings& settings, std::string_view text);            // an existing file
std::string set_kubernetes_namespace(Settings& settings, std::string_view text);  // a DNS label
std::string set_agent_image(Settings& settings, std::string_view text);           // an image reference
std::string set_agent_server_url(Settings& settings, std::string_view text);      // http(s)://...
std::string set_agent_requests(Settings& settings, std::string_view text);  // cpu=500m,memory=1Gi
std::string set_agent_limits(Settings& settings, std::string_view text);    // cpu=2,memory=4Gi
std::string set_job_ttl(Settings& settings, std::string_view text);         // a duration, 1s..720h
std::string set_job_deadline(Settings& settings, std::string_view text);    // a duration, 1m..168h
std::string set_consul(Settings& settings, std::string_view text);          // http(s)://...
std::string set_consul_service(Settings& settings, std::string_view text);  // a DNS label
std::string set_blobs_dir(Settings& settings, std::string_view text);
std::string set_blobs_s3_endpoint(Settings& settings, std::string_view text);     // http(s)://HOST[:PORT]
std::string set_blobs_s3_bucket(Settings& settings, std::string_view text);       // an S3 bucket name
std::string set_blobs_s3_region(Settings& settings, std::string_view text);       // us-east-1, ...
std::string set_blobs_s3_prefix(Settings& settings, std::string_view text);       // a key prefix
std::string set_blobs_s3_credentials(Settings& settings, std::string_view text);  // a file

}  // namespace server
