#include "api/views.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>

namespace api {

nlohmann::json seed_project_view(const store::Project& project) {
  return {{"id", project.id}, {"owner", project.owner_name}, {"project", project.name}, {"url", project.url}};
}

nlohmann::json project_view(const store::Project& project) {
  return {{"id", project.id},
          {"name", project.name},
          {"owner", {{"id", project.owner_id}, {"name", project.owner_name}}},
          {"url", project.url},
          {"created_at", timestamp_text(project.created_at)},
          {"updated_at", timestamp_text(project.updated_at)}};
}

http::Response project_created(nlohmann::json view, const store::Project& project, const std::string& location) {
  view["webhook_secret"] = project.webhook_secret;
  http::Response response = http::Response::json(201, view);
  response.headers.set("Location", location);
  return response;
}

nlohmann::json owner_view(const store::Owner& owner) {
  return {{"id", owner.id}, {"name", owner.name}, {"created_at", timestamp_text(owner.created_at)}};
}

nlohmann::json secret_view(const store::SecretInfo& secret) {
  return {{"name", secret.name},
          {"created_at", timestamp_text(secret.created_at)},
          {"updated_at", timestamp_text(secret.updated_at)}};
}

nlohmann::json page_view(nlohmann::json items, const std::string& next) {
  return {{"items", std::move(items)}, {"next", next.empty() ? nlohmann::json(nullptr) : nlohmann::json(next)}};
}

std::string timestamp_text(store::Timestamp time) {
  const auto millis = time.time_since_epoch().count();
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];  // room for any int the compiler can imagine
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis % 1000));
  return text;
}

}  // namespace api
