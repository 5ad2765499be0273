// Bounds on evaluating untrusted configuration: time, sizes and nesting.
//
// A repository's `.factory/` is written by whoever can push or open a pull
// request, and the agent evaluates it. A Budget caps what that evaluation
// may cost: a deadline (and a cancel check) for the whole of it, the size of
// any one string or collection, and the total that every string and
// collection produced adds up to. The evaluator consults it at each step,
// at every string and collection it builds and after every function call;
// functions whose result can outgrow their arguments (join, replace,
// format, flatten, setproduct, jsonencode...) consult it as they build.
// The clock and the cancel check are read every kStepsPerCheck steps, so a
// check costs a counter increment.
//
// When a limit is exceeded, the check throws LimitExceeded. hcl::evaluate()
// catches it and reports a diagnostic at the expression being evaluated
// (try() and can() do not catch it); from then on the budget stays
// exhausted, so every later check throws at once and the caller can stop.
//
// Functions reach the budget of the evaluation running on their thread
// through Budget::current() (null outside an evaluation: no checks then).
//
// Thread-safety: a Budget is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace hcl {

// The limits. The defaults are far above any real configuration: a
// configuration that hits one is hostile or broken.
struct Limits {
  size_t max_string_bytes = size_t{1} << 20;      // one string: 1 MiB
  size_t max_collection_elements = 1'000'000;     // one tuple or object (a push's changed paths fit)
  size_t max_total_bytes = size_t{64} << 20;      // all strings and elements produced: 64 MiB
  // Collections in collections: walking and freeing a value recurses once a
  // level, so a deeper one could overflow the stack.
  uint32_t max_value_depth = 3000;
  // The wall-clock time, from the budget's making, for everything evaluated
  // under it; zero: no deadline.
  std::chrono::milliseconds time{0};
};

// What an element of a tuple or object costs towards max_total_bytes,
// beside its key's bytes: about the memory it takes.
inline constexpr size_t kElementBytes = 32;

// Thrown by a Budget's checks; never derives from std::exception, so that
// handlers of ordinary errors (and try/can) let it through.
struct LimitExceeded {
  std::string summary;  // "Evaluation took too long"
  std::string detail;   // which limit, its value, and how to stay under it
};

class Budget {
 public:
  static constexpr size_t kStepsPerCheck = 1024;

  // `cancelled` (optional) is polled with the clock: when it returns true,
  // the evaluation stops as if out of time.
  explicit Budget(Limits limits = {}, std::function<bool()> cancelled = {});
  Budget(const Budget&) = delete;
  Budget& operator=(const Budget&) = delete;

  const Limits& limits() const { return limits_; }

  // `n` steps of evaluation (a loop over n elements counts n): counts, and
  // every kStepsPerCheck steps reads the clock and the cancel check.
  void step(size_t n = 1) {
    steps_ += n;
    if (exhausted_ || steps_ >= next_check_) check_time();
  }
  // A string of `bytes` was (or is being) built: checks its size.
  void string_size(size_t bytes) {
    if (exhausted_ || bytes > limits_.max_string_bytes) string_too_long(bytes);
  }
  // A collection of `count` elements is being built: checks its size.
  void collection_size(size_t count) {
    if (exhausted_ || count > limits_.max_collection_elements) collection_too_large(count);
  }
  // A collection `depth` levels deep was built: checks the depth.
  void value_depth(uint32_t depth) {
    if (exhausted_ || depth > limits_.max_value_depth) too_deep(depth);
  }
  // A new string of `bytes` exists: checks it and adds it to the total.
  void charge_string(size_t bytes) {
    string_size(bytes);
    charge(bytes);
  }
  // A new collection of `count` elements (whose keys take `key_bytes`)
  // exists: checks it and adds it to the total.
  void charge_collection(size_t count, size_t key_bytes = 0) {
    collection_size(count);
    charge(count * kElementBytes + key_bytes);
  }

  // `bytes` more were produced (copied out of values, say): adds them to
  // the total.
  void charge_bytes(size_t bytes) {
    if (exhausted_) throw reason_;
    charge(bytes);
  }

  // Whether a limit was exceeded: every check throws from then on.
  bool exhausted() const { return exhausted_; }
  // The limit that was exceeded (empty summary while none was).
  const LimitExceeded& reason() const { return reason_; }

  // The budget of the evaluation running on this thread, or nullptr.
  static Budget* current();

  // Makes a budget current on this thread for its lifetime (restoring the
  // previous one after).
  class Use {
   public:
    explicit Use(Budget& budget);
    ~Use();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

   private:
    Budget* previous_;
  };

 private:
  void charge(size_t bytes) {
    total_ += bytes;
    if (total_ > limits_.max_total_bytes) total_too_large();
  }
  void check_time();
  [[noreturn]] void string_too_long(size_t bytes);
  [[noreturn]] void collection_too_large(size_t count);
  [[noreturn]] void total_too_large();
  [[noreturn]] void too_deep(uint32_t depth);
  [[noreturn]] void exceed(std::string summary, std::string detail);

  Limits limits_;
  std::function<bool()> cancelled_;
  std::chrono::steady_clock::time_point deadline_;
  bool has_deadline_;
  size_t steps_ = 0;
  size_t next_check_ = kStepsPerCheck;
  size_t total_ = 0;
  bool exhausted_ = false;
  LimitExceeded reason_;
};

// The checks on the current budget, for functions: no-ops when none is.
inline void step(size_t n = 1) {
  if (Budget* b = Budget::current()) b->step(n);
}
inline void check_string_size(size_t bytes) {
  if (Budget* b = Budget::current()) b->string_size(bytes);
}
inline void check_collection_size(size_t count) {
  if (Budget* b = Budget::current()) b->collection_size(count);
}
inline void charge_string(size_t bytes) {
  if (Budget* b = Budget::current()) b->charge_string(bytes);
}
inline void charge_bytes(size_t bytes) {
  if (Budget* b = Budget::current()) b->charge_bytes(bytes);
}

}  // namespace hcl
