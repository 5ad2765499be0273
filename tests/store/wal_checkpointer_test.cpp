// The SQLite log under steady writes: commits never checkpoint, so the
// background checkpoints must keep the log file from growing without end.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "../temp_dir.h"
#include "store/store.h"
#include "store/wal_checkpointer.h"

namespace store {
namespace {

using namespace std::chrono_literals;

std::uintmax_t size_of(const std::filesystem::path& file) {
  std::error_code missing;
  const auto size = std::filesystem::file_size(file, missing);
  return missing ? 0 : size;
}

// About 45 MB of workflows (1,000 changed paths each) go through the log.
// The log is restarted past 16 MiB, and the first commit after a restart
// cuts the file back to that size. Without checkpoints it would hold all
// 45 MB.
TEST(WalCheckpointer, TheLogStaysBoundedUnderSteadyWrites) {
  testpaths::TempDir dir{"factory-wal"};
  const auto database = dir.path() / "factory.db";
  auto store = open("sqlite:" + database.string());
  ASSERT_TRUE(store) << store.error().message;
  auto project = (*store)->create_project({"acme", "rocket", "https://git.example/acme/rocket", "secret"});
  ASSERT_TRUE(project) << project.error().message;

  core::Event push{.name = "push", .branch = "main", .sha = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"};
  for (int i = 0; i < 1000; ++i) push.changed_paths.push_back("src/module/file" + std::to_string(i) + ".c");
  int delivery = 0;
  auto enqueue = [&](int count) {
    std::vector<WorkflowRequest> requests;
    for (int i = 0; i < count; ++i) requests.push_back({project->id, std::to_string(++delivery), push});
    for (const auto& enqueued : (*store)->enqueue_workflows(requests)) ASSERT_TRUE(enqueued.ok());
  };
  std::uintmax_t largest_log = 0;
  for (int batch = 0; batch < 20; ++batch) {
    enqueue(100);
    largest_log = std::max(largest_log, size_of(database.string() + "-wal"));
  }
  EXPECT_EQ((*store)->list_workflows(project->id, {.limit = 1000})->items.size(), 1000u);

  // Once a checkpoint has restarted the log, the next commit cuts it back;
  // the checkpointer works in the background, so a loaded machine may need
  // a few more commits before it has copied everything into the database.
  constexpr std::uintmax_t kAllCopied = 40'000'000;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((size_of(database.string() + "-wal") > kWalRestartBytes || size_of(database.string()) <= kAllCopied) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    enqueue(1);
  }
  EXPECT_LE(size_of(database.string() + "-wal"), kWalRestartBytes) << "largest log seen: " << largest_log;
  EXPECT_GT(size_of(database.string()), kAllCopied) << "the workflows were copied into the database";
}

}  // namespace
}  // namespace store
