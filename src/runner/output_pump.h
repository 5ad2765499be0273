// One thread that reads the stdout and stderr pipes of every running
// execution (epoll) and hands each read on, with the pipe's line splitter.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
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
  struct Chunk {
    Stream stream;
    TimePoint time;         // when it was read
    std::string_view data;  // empty at the end of the stream
    bool end;
  };
  // Cuts the chunk into lines with the splitter (splitter.finish at the end).
  // One call per read rather than per line keeps a flood of output cheap.
  using ChunkHandler = std::function<void(const Chunk&, LineSplitter&)>;
  explicit Capture(ChunkHandler handler) : handler_(std::move(handler)) {}

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

  ChunkHandler handler_;
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
  std::shared_ptr<Capture> watch(int stdout_fd, int stderr_fd, Capture::ChunkHandler handler);
  // Stops reading a capture whose pipes are held open by a process that
  // escaped killing; what was read is still delivered.
  void force_close(const std::shared_ptr<Capture>& capture);

 private:
  void loop();
  // How many bytes were read (0 at end of file, or when nothing was there).
  std::size_t read_pipe(Capture& capture, Capture::Pipe& pipe, char* buffer, std::size_t size);
  void close_pipe(Capture& capture, Capture::Pipe& pipe);
  void handle_requests();
  void wake();

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::mutex mutex_;
  std::map<int, std::shared_ptr<Capture>> by_fd_;  // pump thread's, guarded for watch()
  std::vector<std::shared_ptr<Capture>> to_close_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace runner
