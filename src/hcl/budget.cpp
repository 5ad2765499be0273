#include "hcl/budget.h"

namespace hcl {

namespace {

thread_local Budget* current_budget = nullptr;

std::string mebibytes(size_t bytes) {
  return bytes % (size_t{1} << 20) == 0 ? std::to_string(bytes >> 20) + " MiB" : std::to_string(bytes) + " bytes";
}

}  // namespace

Budget::Budget(Limits limits, std::function<bool()> cancelled)
    : limits_(limits),
      cancelled_(std::move(cancelled)),
      deadline_(std::chrono::steady_clock::now() + limits.time),
      has_deadline_(limits.time.count() > 0) {}

Budget* Budget::current() { return current_budget; }

Budget::Use::Use(Budget& budget) : previous_(current_budget) { current_budget = &budget; }

Budget::Use::~Use() { current_budget = previous_; }

void Budget::check_time() {
  if (exhausted_) throw reason_;
  next_check_ = steps_ + kStepsPerCheck;
  if (cancelled_ && cancelled_())
    exceed("Evaluation cancelled",
           "The configuration was still being evaluated when the evaluation was cancelled (its workflow was, or the "
           "process is stopping).");
  if (has_deadline_ && std::chrono::steady_clock::now() >= deadline_)
    exceed("Evaluation took too long",
           "Evaluating the configuration took more than its time limit of " + std::to_string(limits_.time.count()) +
               " ms. Loops over large ranges nested in each other multiply; evaluate less, for example with "
               "fewer or smaller for expressions.");
}

void Budget::string_too_long(size_t bytes) {
  if (exhausted_) throw reason_;
  exceed("String too long", "This string would be " + std::to_string(bytes) + " bytes long, over the limit of " +
                                mebibytes(limits_.max_string_bytes) +
                                " for one string. Build smaller strings; a configuration has no use for larger ones.");
}

void Budget::collection_too_large(size_t count) {
  if (exhausted_) throw reason_;
  exceed("Collection too large", "This list or object would have " + std::to_string(count) +
                                     " elements, over the limit of " +
                                     std::to_string(limits_.max_collection_elements) +
                                     " for one collection. Build smaller collections.");
}

void Budget::too_deep(uint32_t depth) {
  if (exhausted_) throw reason_;
  exceed("Value too deeply nested", "This value would nest lists and objects " + std::to_string(depth) +
                                        " levels deep, over the limit of " + std::to_string(limits_.max_value_depth) +
                                        ". Flatten the structure.");
}

void Budget::total_too_large() {
  if (exhausted_) throw reason_;
  exceed("Configuration produces too much data",
         "The strings and collections built while evaluating the configuration add up to more than the limit of " +
             mebibytes(limits_.max_total_bytes) +
             ". Values that double at each step (\"${a}${a}\", concat(a, a)) or loops nested in each other grow "
             "fast; build less.");
}

void Budget::exceed(std::string summary, std::string detail) {
  exhausted_ = true;
  reason_ = {std::move(summary), std::move(detail)};
  throw reason_;
}

}  // namespace hcl
