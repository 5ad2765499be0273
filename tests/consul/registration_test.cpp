// consul::Registration and consul::healthy_instances against the stand-in.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <thread>

#include "consul/consul.h"
#include "consul_standin.h"

namespace consul {
namespace {

using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
  for (const auto deadline = std::chrono::steady_clock::now() + timeout; !done();) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

const Service kServer{.id = "factory-a-8080", .name = "factory", .url = "http://10.0.0.5:8080", .ttl = 3s};

std::vector<std::string> healthy(const consultest::ConsulStandIn& consul) {
  std::string error;
  auto found = healthy_instances(consul.url(), "factory", error);
  EXPECT_TRUE(found) << error;
  return found.value_or(std::vector<std::string>{});
}

TEST(RegistrationTest, RegistersKeepsTheCheckPassingAndDeregisters) {
  consultest::ConsulStandIn consul;
  {
    Registration registration{consul.url(), kServer};
    ASSERT_TRUE(eventually([&] { return !healthy(consul).empty(); }));
    EXPECT_EQ(healthy(consul), std::vector<std::string>{"http://10.0.0.5:8080"});
    const auto service = consul.services()["factory-a-8080"];
    EXPECT_EQ(service["Address"], "10.0.0.5");
    EXPECT_EQ(service["Port"], 8080);
    EXPECT_TRUE(eventually([&] { return consul.passes("factory-a-8080") >= 2; })) << "passed every ttl/3";
  }
  EXPECT_TRUE(consul.services().empty()) << consul.services().dump();
}

TEST(RegistrationTest, RegistersAgainWhenTheConsulAgentForgotIt) {
  consultest::ConsulStandIn consul;
  Registration registration{consul.url(), kServer};
  ASSERT_TRUE(eventually([&] { return !healthy(consul).empty(); }));
  consul.forget_everything();
  EXPECT_TRUE(eventually([&] { return !healthy(consul).empty(); }, 8s));
}

TEST(RegistrationTest, SendsTheAclTokenOfConsulHttpToken) {
  consultest::ConsulStandIn consul;
  setenv("CONSUL_HTTP_TOKEN", "acl-token-1", 1);
  {
    Registration registration{consul.url(), kServer};
    EXPECT_TRUE(eventually([&] { return !healthy(consul).empty(); }));
  }
  unsetenv("CONSUL_HTTP_TOKEN");
  EXPECT_EQ(consul.last_token(), "acl-token-1");
}

TEST(HealthyInstancesTest, SaysWhenConsulDoesNotAnswer) {
  std::string error;
  EXPECT_FALSE(healthy_instances("http://127.0.0.1:1", "factory", error));
  EXPECT_TRUE(error.starts_with("Consul at http://127.0.0.1:1 did not answer: ")) << error;
}

}  // namespace
}  // namespace consul
