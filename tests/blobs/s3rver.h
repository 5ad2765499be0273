// s3rver (tests/blobs/package.json), an S3-compatible server, started on a
// loopback port the kernel picks with its data in a temporary directory:
// for the tests of the S3 store, and of the server keeping blobs in it.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "temp_dir.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;

fs::path s3rver_script() { return testpaths::source_dir() / "tests/blobs/node_modules/s3rver/bin/s3rver.js"; }

bool have_node() { return std::system("node --version >/dev/null 2>&1") == 0; }

// s3rver on a port the kernel picks, with one bucket; stopped at the end.
class S3rver {
 public:
  S3rver() {
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      std::string script = s3rver_script().string(), data = dir_.path().string();
      ::execlp("node", "node", script.c_str(), "-d", data.c_str(), "-a", "127.0.0.1", "-p", "0", "-s",
               "--configure-bucket", "blobs", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    FILE* output = ::fdopen(out[0], "r");
    char line[512];
    while (std::fgets(line, sizeof line, output)) {  // "S3rver listening on 127.0.0.1:PORT"
      if (std::sscanf(line, "S3rver listening on 127.0.0.1:%d", &port_) == 1) break;
    }
    std::fclose(output);
  }
  ~S3rver() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  fs::path object_file(const std::string& key) const { return dir_.path() / "blobs" / (key + "._S3rver_object"); }

 private:
  testpaths::TempDir dir_{"blobs-s3rver"};
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace
