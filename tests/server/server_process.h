// Test helpers: `factory server` as a child process in a temporary data
// directory on 127.0.0.1 port 0, the port read from its "listening on" line;
// and `factory` commands run to completion with their output.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.h"
#include "test_paths.h"

namespace server::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using testpaths::TempDir;

// A child process running `factory ARGS...` with stdout and stderr piped.
// `environment` entries ("NAME=value") are added to this process's own.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::vector<std::string>& environment = {}) {
    int out[2];
    int err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error{"pipe"};
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
      for (const auto& entry : environment) putenv(const_cast<char*>(entry.c_str()));
      std::vector<char*> argv;
      const std::string binary = testpaths::factory_binary().string();
      argv.push_back(const_cast<char*>(binary.c_str()));
      for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    stdout_ = out[0];
    stderr_ = err[0];
  }
  ~Child() {
    if (pid_ > 0 && !exit_code_) {
      kill(pid_, SIGKILL);
      wait(10s);
    }
    close(stdout_);
    close(stderr_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int number) const { kill(pid_, number); }

  // Reads stdout until a line starts with `prefix`; returns that line's rest.
  std::optional<std::string> wait_for_line(const std::string& prefix, std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (std::size_t start = 0, end; (end = out_.find('\n', start)) != std::string::npos; start = end + 1) {
        if (out_.compare(start, prefix.size(), prefix) == 0) {
          return out_.substr(start + prefix.size(), end - start - prefix.size());
        }
      }
      if (!read_some(deadline)) return std::nullopt;
    }
  }

  // Waits for the exit, reading the rest of the output; the exit code, or -1
  // when it did not exit in time or died of a signal.
  int wait(std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (read_some(deadline)) {
    }
    while (!exit_code_ && std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      } else {
        std::this_thread::sleep_for(10ms);
      }
    }
    return exit_code_.value_or(-1);
  }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  // Reads what either pipe has; false once both are closed or at the deadline.
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    pollfd pipes[2] = {{stdout_open_ ? stdout_ : -1, POLLIN, 0}, {stderr_open_ ? stderr_ : -1, POLLIN, 0}};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if ((!stdout_open_ && !stderr_open_) || left.count() <= 0) return false;
    if (::poll(pipes, 2, static_cast<int>(left.count())) <= 0) return false;
    drain(pipes[0], out_, stdout_open_);
    drain(pipes[1], err_, stderr_open_);
    return true;
  }
  static void drain(const pollfd& pipe, std::string& into, bool& open) {
    if (pipe.fd < 0 || pipe.revents == 0) return;
    char buffer[4096];
    const ssize_t n = ::read(pipe.fd, buffer, sizeof buffer);
    if (n <= 0) open = false;
    if (n > 0) into.append(buffer, static_cast<std::size_t>(n));
  }

  pid_t pid_ = -1;
  int stdout_ = -1;
  int stderr_ = -1;
  std::string out_;
  std::string err_;
  bool stdout_open_ = true;
  bool stderr_open_ = true;
  std::optional<int> exit_code_;
};

// `factory server --listen 127.0.0.1:0 ARGS...`, started and listening.
class ServerProcess {
 public:
  ServerProcess(const std::vector<std::string>& args, const std::vector<std::string>& environment = {})
      : child_{with_listen(args), environment} {
    const auto url = child_.wait_for_line("listening on http://127.0.0.1:");
    if (url) port_ = static_cast<std::uint16_t>(std::stoi(*url));
  }

  std::uint16_t port() const { return port_; }
  Child& child() { return child_; }

 private:
  static std::vector<std::string> with_listen(std::vector<std::string> args) {
    args.insert(args.begin(), {"server", "--listen", "127.0.0.1:0"});
    return args;
  }

  Child child_;
  std::uint16_t port_ = 0;
};

}  // namespace server::testing
