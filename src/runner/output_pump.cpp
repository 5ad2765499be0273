#include "runner/output_pump.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <system_error>

namespace runner {

namespace {

// A larger pipe lets a chatty execution write on while the pump waits.
constexpr std::size_t kPipeCapacity = 1024 * 1024;
// The pump reads a full pipe in pieces of this size: each piece is cut into
// lines while it is still in the cache, and the writer waits for the pipe's
// lock (held during a read's copy) a short time only.
constexpr std::size_t kReadBuffer = 64 * 1024;
// After a small read, the pump pauses this long before looking again.
// Without the pause a steady stream of small writes (4 KiB each from stdio)
// wakes it for each one, and the wake-ups cost more than the copying; with
// it, reads grow large and a line is at most this much later. A large read
// means the writer is faster than a pause would let through: no pause then.
constexpr auto kBatchDelay = std::chrono::microseconds(1000);
constexpr std::size_t kSmallRead = 64 * 1024;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

bool Capture::wait_closed(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return closed_changed_.wait_until(lock, deadline, [this] { return open_pipes_ == 0; });
}

void Capture::hand_on(const Pipe& pipe, std::span<const std::string_view> lines) {
  if (!lines.empty()) handler_(pipe.stream, Clock::now(), lines);
}

void Capture::mark_closed() {
  std::lock_guard lock(mutex_);
  if (--open_pipes_ == 0) closed_changed_.notify_all();
}

OutputPump::OutputPump() : buffer_(kReadBuffer) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw_errno("epoll_create1");
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw_errno("eventfd");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_fd_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) < 0) throw_errno("epoll_ctl");
  thread_ = std::thread([this] { loop(); });
}

OutputPump::~OutputPump() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake();
  thread_.join();
  for (auto& [fd, capture] : by_fd_) close(fd);
  close(wake_fd_);
  close(epoll_fd_);
}

std::shared_ptr<Capture> OutputPump::watch(int stdout_fd, int stderr_fd, Capture::LinesHandler handler,
                                           const core::SecretMask* mask) {
  auto capture = std::make_shared<Capture>(std::move(handler));
  capture->pipes_[0].fd = stdout_fd;
  capture->pipes_[0].stream = Stream::Stdout;
  capture->pipes_[1].fd = stderr_fd;
  capture->pipes_[1].stream = Stream::Stderr;
  std::lock_guard lock(mutex_);
  for (auto& pipe : capture->pipes_) {
    pipe.splitter = LineSplitter(LineSplitter::kMaxLine, mask);
    fcntl(pipe.fd, F_SETPIPE_SZ, static_cast<int>(kPipeCapacity));  // best effort: the limit may be lower
    fcntl(pipe.fd, F_SETFL, fcntl(pipe.fd, F_GETFL) | O_NONBLOCK);
    by_fd_[pipe.fd] = capture;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = pipe.fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, pipe.fd, &event) < 0) throw_errno("epoll_ctl");
  }
  return capture;
}

void OutputPump::force_close(const std::shared_ptr<Capture>& capture) {
  {
    std::lock_guard lock(mutex_);
    to_close_.push_back(capture);
  }
  wake();
}

void OutputPump::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto written = write(wake_fd_, &one, sizeof one);
}

void OutputPump::loop() {
  epoll_event events[32];
  for (;;) {
    int ready = epoll_wait(epoll_fd_, events, 32, -1);
    if (ready < 0 && errno != EINTR) throw_errno("epoll_wait");
    std::size_t largest_read = 0;
    for (int i = 0; i < ready; ++i) {
      int fd = events[i].data.fd;
      if (fd == wake_fd_) continue;
      std::shared_ptr<Capture> capture;
      {
        std::lock_guard lock(mutex_);
        auto found = by_fd_.find(fd);
        if (found == by_fd_.end()) continue;  // closed earlier in this batch
        capture = found->second;
      }
      auto& pipe = capture->pipes_[0].fd == fd ? capture->pipes_[0] : capture->pipes_[1];
      largest_read = std::max(largest_read, drain(*capture, pipe));
    }
    std::uint64_t count;
    while (read(wake_fd_, &count, sizeof count) > 0) {
    }
    handle_requests();
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    if (largest_read > 0 && largest_read < kSmallRead) std::this_thread::sleep_for(kBatchDelay);
  }
}

// Reads what the pipe holds, at most its capacity so that one flood cannot
// hold up the other pipes.
std::size_t OutputPump::drain(Capture& capture, Capture::Pipe& pipe) {
  std::size_t total = 0;
  while (total < kPipeCapacity) {
    ssize_t got = read(pipe.fd, buffer_.data(), buffer_.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && errno == EAGAIN) break;
    if (got <= 0) {
      close_pipe(capture, pipe);
      break;
    }
    lines_.clear();
    pipe.splitter.feed({buffer_.data(), static_cast<std::size_t>(got)}, lines_);
    capture.hand_on(pipe, lines_);
    total += static_cast<std::size_t>(got);
    if (static_cast<std::size_t>(got) < buffer_.size()) break;  // the pipe is empty
  }
  return total;
}

void OutputPump::close_pipe(Capture& capture, Capture::Pipe& pipe) {
  if (pipe.fd < 0) return;
  lines_.clear();
  pipe.splitter.finish(lines_);
  capture.hand_on(pipe, lines_);
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, pipe.fd, nullptr);
  {
    std::lock_guard lock(mutex_);
    by_fd_.erase(pipe.fd);
  }
  close(pipe.fd);
  pipe.fd = -1;
  capture.mark_closed();
}

void OutputPump::handle_requests() {
  std::vector<std::shared_ptr<Capture>> requests;
  {
    std::lock_guard lock(mutex_);
    requests.swap(to_close_);
  }
  for (auto& capture : requests)
    for (auto& pipe : capture->pipes_) close_pipe(*capture, pipe);
}

}  // namespace runner
