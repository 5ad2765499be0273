// Service blocks: what they plan to, and every error they can have, with its place.
#include <gtest/gtest.h>

#include "events.h"
#include "temp_repo.h"

namespace config {
namespace {

using namespace testing;

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

// A pipeline with `services` before one stage whose execution runs `run`.
std::string with_services(const std::string& services, const std::string& run = "true") {
  return "pipeline \"p\" {\n" + services + "  stage \"s\" {\n    exec \"e\" { run = \"" + run + "\" }\n  }\n}\n";
}

TEST(Services, PlanHoldsTheirFinalValuesAndExecutionsSeeServiceValues) {
  core::Plan plan = must_plan(with_services(
      "  matrix { version = [\"16\"] }\n"
      "  service \"db\" {\n"
      "    image   = \"postgres:${matrix.version}\"\n"
      "    command = [\"postgres\", \"-c\", \"fsync=off\"]\n"
      "    env     = { POSTGRES_PASSWORD = \"test\" }\n"
      "    ports   = [5432, 5433]\n"
      "    ready {\n      run     = \"pg_isready\"\n      timeout = \"1m\"\n    }\n"
      "  }\n"
      "  service \"web\" {\n    run   = \"python3 -m http.server 8000\"\n    ports = [8000]\n  }\n"
      "  service \"worker\" {\n    run = \"sleep 100\"\n  }\n",
      "psql -h ${service.db.host} -p ${service.db.port} ${service.web.ports[0]}"));
  ASSERT_EQ(plan.pipelines.size(), 1u);
  const auto& services = plan.pipelines[0].services;
  ASSERT_EQ(services.size(), 3u);
  EXPECT_EQ(services[0].name, "db");
  EXPECT_EQ(services[0].image, "postgres:16");
  EXPECT_EQ(services[0].command, (std::vector<std::string>{"postgres", "-c", "fsync=off"}));
  EXPECT_EQ(services[0].env, (core::Env{{"POSTGRES_PASSWORD", "test"}}));
  EXPECT_EQ(services[0].ports, (std::vector<int>{5432, 5433}));
  EXPECT_EQ(services[0].ready_run, "pg_isready");
  EXPECT_EQ(services[0].ready_port, 0);
  EXPECT_EQ(services[0].ready_timeout, std::chrono::minutes(1));
  // Without a ready block: the first port, within 30 s; without ports, once started.
  EXPECT_EQ(services[1].run, "python3 -m http.server 8000");
  EXPECT_EQ(services[1].ready_port, 8000);
  EXPECT_EQ(services[1].ready_timeout, std::chrono::seconds(30));
  EXPECT_EQ(services[2].ready_port, 0);
  EXPECT_TRUE(services[2].ready_run.empty());
  EXPECT_EQ(plan.pipelines[0].stages[0].executions[0].run, "psql -h 127.0.0.1 -p 5432 8000");
}

TEST(Services, UnknownAttributeSuggestsTheClosestName) {
  std::string errors = errors_of(with_services("  service \"db\" {\n    image = \"x\"\n    prots = [1]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:4:5: error: Unknown attribute \"prots\" in a service block");
  EXPECT_CONTAINS(errors, "Did you mean \"ports\"?");
  errors = errors_of(with_services("  service \"db\" {\n    image = \"x\"\n    ready { prot = 1 }\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:4:13: error: Unknown attribute \"prot\" in a ready block");
}

TEST(Services, ImageOrRunExactlyOne) {
  std::string errors = errors_of(with_services("  service \"db\" {\n    image = \"x\"\n    run   = \"y\"\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:4:13: error: Service \"db\" has both image and run");
  errors = errors_of(with_services("  service \"db\" {\n    ports = [1]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:2:11: error: Service \"db\" has neither image nor run");
  errors = errors_of(with_services("  service \"db\" {\n    run     = \"y\"\n    command = [\"a\"]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:4:15: error: Service \"db\" has a command but no image");
}

TEST(Services, BadPortsNameTheElement) {
  std::string errors = errors_of(with_services("  service \"db\" {\n    image = \"x\"\n    ports = [5432, 70000]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:4:20: error: Element of ports must be a port");
  EXPECT_CONTAINS(errors, "It is the number 70000; a port is a whole number from 1 to 65535.");
  errors = errors_of(with_services("  service \"db\" {\n    image = \"x\"\n    ports = 5432\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:4:13: error: ports must be a list of ports");
  errors = errors_of(with_services("  service \"db\" {\n    image = \"x\"\n    ports = [1]\n    ready { port = 2 }\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:20: error: Ready port 2 is not a port of service \"db\"");
  errors = errors_of(with_services("  service \"a\" {\n    run = \"x\"\n    ports = [80]\n  }\n"
                                   "  service \"b\" {\n    run = \"x\"\n    ports = [80]\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:8:13: error: Port 80 is declared by services \"a\" and \"b\"");
}

TEST(Services, ReadyChecksOneThing) {
  std::string errors = errors_of(with_services("  service \"db\" {\n    image = \"x\"\n    ready {\n      port = 1\n      run = \"y\"\n    }\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:6:13: error: A ready block checks a port or runs a command, not both");
  errors = errors_of(with_services("  service \"db\" {\n    image = \"x\"\n    ready { timeout = \"5s\" }\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:4:5: error: Nothing to check in the ready block of service \"db\"");
  // With ports, a timeout alone is for the check of the first port.
  core::Plan plan = must_plan(with_services("  service \"db\" {\n    image = \"x\"\n    ports = [7, 8]\n"
                                            "    ready { timeout = \"5s\" }\n  }\n"));
  ASSERT_EQ(plan.pipelines.size(), 1u);
  EXPECT_EQ(plan.pipelines[0].services[0].ready_port, 7);
  EXPECT_EQ(plan.pipelines[0].services[0].ready_timeout, std::chrono::seconds(5));
  errors = errors_of(with_services("  service \"db\" {\n    image = \"x\"\n    ready { run = \"y\" }\n    ready { run = \"z\" }\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:5: error: Duplicate ready block");
  EXPECT_CONTAINS(errors, "A service has at most one ready block");
  errors = errors_of(with_services("  service \"db\" {\n    image = \"x\"\n    ready {\n      run = \"y\"\n      timeout = \"soon\"\n    }\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:6:17: error: Invalid timeout");
}

TEST(Services, NamesAreUniqueHostNames) {
  std::string errors = errors_of(with_services("  service \"db\" {\n    image = \"x\"\n  }\n  service \"db\" {\n    image = \"y\"\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:5:11: error: Duplicate service \"db\" in pipeline \"p\"");
  EXPECT_CONTAINS(errors, "ci.hcl:2:11; names must be unique.");
  errors = errors_of(with_services("  service \"my_db\" {\n    image = \"x\"\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:2:11: error: Service name \"my_db\" is not a host name");
}

TEST(Services, UnknownServiceReferenceSuggestsTheClosestName) {
  std::string errors = errors_of(with_services("  service \"db\" {\n    image = \"x\"\n    ports = [1]\n  }\n",
                                               "echo ${service.bd.port}"));
  EXPECT_CONTAINS(errors, "ci.hcl:7:30: error: Unknown service \"bd\"");
  EXPECT_CONTAINS(errors, "This pipeline's services are db. Did you mean \"db\"?");
}

TEST(Services, ServiceValuesOnlyInExecutionsOfPipelinesWithServices) {
  std::string errors = errors_of(with_services("", "echo ${service.db.port}"));
  EXPECT_CONTAINS(errors, "ci.hcl:3:30: error: service.db is not available here");
  errors = errors_of(with_services("  service \"db\" {\n    run = \"${service.db.host}\"\n  }\n"));
  EXPECT_CONTAINS(errors, "ci.hcl:3:14: error: service.db is not available here");
}

TEST(Services, StageNamedServicesIsTakenInAPipelineWithServices) {
  std::string errors = errors_of("pipeline \"p\" {\n  service \"db\" {\n    image = \"x\"\n  }\n"
                                 "  stage \"services\" {\n    exec \"e\" { run = \"true\" }\n  }\n}\n");
  EXPECT_CONTAINS(errors, "ci.hcl:5:9: error: Stage name \"services\" is taken in pipeline \"p\"");
}

}  // namespace
}  // namespace config
