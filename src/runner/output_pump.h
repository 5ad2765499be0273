// One thread that reads the stdout and stderr pipes of every running
// execution (epoll), cuts what it reads into lines and hands on the lines of
// each read at once.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "runner/line_splitter.h"
#include "runner/runner.h"

namespace runner {

// The two pipes of one execution attempt, as seen by the pump.
// Thread-safety: wait_closed may be called from any thread; the rest belongs
// to the pump thread.
class Capture {
 public:
  // Receives the lines completed by one read (never none), all read at
  // `time`; they are valid during the call only.
  using LinesHandler =
      std::function<void(Stream stream, TimePoint time, std::span<const std::string_view> lines)>;
  explicit Capture(LinesHandler handler) : handler_(std::move(handler)) {}

  // True once both pipes reached end of file (or were closed by the pump).
  bool wait_closed(std::chrono::steady_clock::time_point deadline);

 private:
  friend class OutputPump;
  struct Pipe {
    int fd = -1;
    Stream stream = Stream::Stdout;
    LineSplitter splitter;
  };

  void mark_closed();

  void hand_on(const Pipe& pipe, std::span<const std::string_view> lines);

  LinesHandler handler_;
  Pipe pipes_[2];
  std::mutex mutex_;
  std::condition_variable closed_changed_;
  int open_pipes_ = 2;
};

// Thread-safety: watch() and force_close() may be called from any thread.
class OutputPump {
 public:
  OutputPump();
  ~OutputPump();
  OutputPump(const OutputPump&) = delete;
  OutputPump& operator=(const OutputPump&) = delete;

  // Takes ownership of the two read ends and reads them until end of file.
  // Lines are masked with `mask`, if given; it must outlive the capture's
  // pipes (wait_closed).
  std::shared_ptr<Capture> watch(int stdout_fd, int stderr_fd, Capture::LinesHandler handler,
                                 const core::SecretMask* mask = nullptr);
  // Stops reading a capture whose pipes are held open by a process that
  // escaped killing; what was read is still delivered.
  void force_close(const std::shared_ptr<Capture>& capture);

 private:
  void loop();
  // How many bytes were read (0 at end of file, or when nothing was there).
  std::size_t drain(Capture& capture, Capture::Pipe& pipe);
  void close_pipe(Capture& capture, Capture::Pipe& pipe);
  void handle_requests();
  void wake();

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::mutex mutex_;
  std::map<int, std::shared_ptr<Capture>> by_fd_;  // pump thread's, guarded for watch()
  std::vector<std::shared_ptr<Capture>> to_close_;
  bool stopping_ = false;
  std::vector<char> buffer_;             // pump thread's
  std::vector<std::string_view> lines_;  // pump thread's: those of one read
  std::thread thread_;
};

}  // namespace runner
