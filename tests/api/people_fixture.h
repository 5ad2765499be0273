// An ApiTest with people: GitHub accounts signed in through the store, each
// with personal tokens, and "root" a server admin (ApiOptions::admins).
#pragma once

#include <chrono>
#include <map>

#include "api_fixture.h"

namespace api::testing {

class PeopleApiTest : public ApiTest {
 protected:
  void configure(ApiOptions& options) override { options.admins = {"root"}; }

  // The user of `login`, signed in the first time it is asked for.
  store::User user(const std::string& login) {
    auto [id, fresh] = github_ids_.try_emplace(login, static_cast<std::int64_t>(github_ids_.size()) + 1);
    auto signed_in = store_->sign_in_user({.id = id->second, .login = login, .name = login, .avatar_url = {}});
    EXPECT_TRUE(signed_in) << signed_in.error().message;
    return signed_in ? *signed_in : store::User{};
  }

  // A personal token of `login`; its secret, with the token in `made` when given.
  std::string token_of(const std::string& login, store::TokenAccess access = store::TokenAccess::Write,
                       const std::string& project_id = {}, std::chrono::hours lifetime = std::chrono::hours{24},
                       store::ApiToken* made = nullptr) {
    const auto expires = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) +
                         std::chrono::milliseconds{lifetime};
    auto created = store_->create_personal_token({.user_id = user(login).id,
                                                  .name = login + "'s token",
                                                  .access = access,
                                                  .project_id = project_id,
                                                  .expires_at = expires});
    EXPECT_TRUE(created) << created.error().message;
    if (!created) return {};
    if (made) *made = created->token;
    return created->secret;
  }

  // A request with `secret` as its bearer token (none when empty).
  Reply as(const std::string& secret, const std::string& method, const std::string& target,
           const std::string& body = {}) {
    std::vector<std::string> headers;
    if (!secret.empty()) headers.push_back("Authorization: Bearer " + secret);
    if (!body.empty()) headers.push_back("Content-Type: application/json");
    return client_->request(method, target, body, headers);
  }

  void grant(const std::string& project_id, const std::string& login, const std::string& role) {
    auto granted = store_->set_member(project_id, login, role);
    ASSERT_TRUE(granted) << granted.error().message;
  }

  std::string project(const std::string& name) {
    auto created = store_->create_project(
        {.owner = "acme", .name = name, .url = "https://github.com/acme/" + name, .webhook_secret = "s-" + name});
    EXPECT_TRUE(created) << created.error().message;
    return created ? created->id : "";
  }

 private:
  std::map<std::string, std::int64_t> github_ids_;
};

}  // namespace api::testing
