// The fixture every storage suite shares: a fresh database of the test's
// backend (the parameter: "sqlite", "mysql" or "postgres") and a Store on it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/store.h"
#include "test_database.h"

namespace store {

class StoreTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    FACTORY_CREATE_TEST_DATABASE(database_, GetParam());
    store_ = open_store();
  }

  std::unique_ptr<Store> open_store(const OpenOptions& options = {.secrets_key = testing::test_secrets_key()}) {
    auto opened = open(database_->url(), options);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  Project create(std::string owner, std::string name, std::string url = {}) {
    if (url.empty()) url = "https://git.example/" + owner + "/" + name + ".git";
    auto created = store_->create_project({owner, name, url, "secret-" + name});
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.ok() ? *created : Project{};
  }

  std::unique_ptr<testing::TestDatabase> database_;
  std::unique_ptr<Store> store_;
};

// A StoreTest with one project, acme/rocket, made before each test.
class ProjectStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (store_) project_ = create("acme", "rocket");
  }

  Project project_;
};

#define ASSERT_OK(result) ASSERT_TRUE((result).ok()) << (result).error().message
#define EXPECT_ERROR(result, expected_kind)                                         \
  do {                                                                              \
    auto&& r_ = (result);                                                           \
    ASSERT_FALSE(r_.ok());                                                          \
    EXPECT_EQ(to_string(r_.error().kind), to_string(expected_kind)) << r_.error().message; \
  } while (0)

}  // namespace store
