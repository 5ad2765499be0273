// Red team, attack 5 (docs/security.md): a build prints a project secret
// where the runner cuts its long line (every 64 KiB), hoping that the
// secret, split in two pieces, escapes the mask of each piece and shows
// whole across two stored lines. The stored log must hide it whole, at
// every offset around the cut, for a secret longer than a cut's window
// too, across two cuts and across the pipe's read boundaries.
#include <set>
#include <string>
#include <vector>

#include "cli/ci_server.h"

namespace clitest {
namespace {

constexpr std::size_t kCut = 64 * 1024;  // runner::LineSplitter::kMaxLine
const std::string kToken = "s3cr3t-value-Zq8Wm2Kx";

// 40,000 bytes that never repeat an 8-byte piece of kToken nor of 'a's.
std::string long_secret() {
  std::string value;
  for (int i = 0; value.size() < 40000; ++i) value += "Long-" + std::to_string(i * 7919) + "|";
  return value.substr(0, 40000);
}

struct Printed {
  std::size_t padding;  // bytes of 'a' before the secret on its line
  std::string secret_name;
};

// Each line: `padding` a's, then the secret, then a newline. The a's and
// the secret are separate writes, so they reach the runner in separate reads.
std::string script(const std::vector<Printed>& lines) {
  std::string text = "pad() { head -c \"$1\" /dev/zero | tr '\\0' a; }\n";
  for (const Printed& line : lines)
    text += "pad " + std::to_string(line.padding) + "; printf '%s\\n' \"$" + line.secret_name + "\"\n";
  return text;
}

class Masking : public CiServer {};

TEST_F(Masking, ASecretAcrossTheLineCutIsHiddenWhole) {
  std::vector<Printed> printed;
  for (std::size_t padding = kCut - 6; padding <= kCut + 4; ++padding) printed.push_back({padding, "LEAK_TOKEN"});
  for (std::size_t padding : {kCut - 20, kCut - 1, 2 * kCut - 10, std::size_t{4090}}) printed.push_back({padding, "LEAK_TOKEN"});
  for (std::size_t padding : {std::size_t{50000}, kCut - 3, kCut + kCut / 2}) printed.push_back({padding, "LONG_TOKEN"});
  write_file("leak.sh", script(printed));
  const std::string sha = create_repository_running("sh leak.sh");
  start();
  const std::string long_token = long_secret();
  put_secret("LEAK_TOKEN", kToken);
  put_secret("LONG_TOKEN", long_token);

  const json workflow = wait_for_end(push_hook("refs/heads/main", sha), 60s);
  ASSERT_EQ(workflow["status"], "success") << workflow.dump(1);
  const std::vector<std::string> lines = lines_of(log_as_file(first_execution(workflow, "job")));

  // The pieces, joined, are the lines printed with each secret hidden whole.
  std::string joined, expected;
  for (const std::string& line : lines) {
    EXPECT_LE(line.size(), kCut);
    joined += line;
  }
  for (const Printed& line : printed) expected += std::string(line.padding, 'a') + "***";
  EXPECT_EQ(joined.size(), expected.size());
  EXPECT_TRUE(joined == expected) << "the stored log is not the printed one masked";

  // No piece of 8 bytes or more of either secret, within a line or across two.
  for (const std::string& secret : {kToken, long_token}) {
    std::set<std::string> pieces;
    for (std::size_t at = 0; at + 8 <= secret.size(); ++at) pieces.insert(secret.substr(at, 8));
    for (std::size_t at = 0; at + 8 <= joined.size(); ++at)
      if (joined[at] != 'a' && pieces.contains(joined.substr(at, 8))) {
        ADD_FAILURE() << "the log shows '" << joined.substr(at, 8) << "' of a secret at byte " << at;
        break;
      }
  }
}

}  // namespace
}  // namespace clitest
