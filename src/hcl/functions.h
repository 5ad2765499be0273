// The standard library of functions, named and behaving as HCL's common ones
// (upper, join, merge, jsonencode...).
//
// A function receives evaluated arguments. It reports bad input by throwing
// FunctionError with the index of the argument at fault; the evaluator turns
// that into a diagnostic under that argument's source range. The evaluator
// checks the argument count against min_args/max_args before calling.
// docs/hcl-functions.md lists every function with an example.
#pragma once

#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hcl/value.h"

namespace hcl {

class FunctionError : public std::runtime_error {
 public:
  FunctionError(int arg_index, const std::string& message)
      : std::runtime_error(message), arg_index_(arg_index) {}
  int arg_index() const { return arg_index_; }  // -1: the call as a whole

 private:
  int arg_index_;
};

// `call` may carry state of its own: an application's function that reads
// its context (say, the files of a checkout) is bound to it in a table of
// its own, beside the standard functions.
struct Function {
  std::string_view name;
  int min_args;
  int max_args;  // -1: any number
  std::string_view signature;  // for messages: "join(separator, list)"
  std::function<Value(std::span<const Value> args)> call;
};

// A read-only table of functions looked up by name.
class FunctionTable {
 public:
  explicit FunctionTable(std::vector<Function> functions);
  const Function* find(std::string_view name) const;
  // The closest known name, for "did you mean" (empty when none is close).
  std::string_view suggest(std::string_view name) const;
  const std::vector<Function>& all() const { return functions_; }

 private:
  std::vector<Function> functions_;  // sorted by name
};

const FunctionTable& standard_functions();

// The edit distance used for "did you mean" suggestions everywhere:
// Levenshtein's, with a swap of two neighbouring characters counting as one
// edit ("jion" is one edit from "join").
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` when it is close enough to be a likely
// typo (at most max(2, length/3) edits, and fewer edits than `name` has
// characters); empty when none is.
template <class Names>
std::string_view closest_name(std::string_view name, const Names& candidates) {
  std::string_view best;
  size_t limit = (name.size() / 3 > 2 ? name.size() / 3 : 2) + 1;
  if (limit > name.size()) limit = name.size();
  for (std::string_view candidate : candidates) {
    size_t d = edit_distance(name, candidate);
    if (d < limit) {
      limit = d;
      best = candidate;
    }
  }
  return best;
}

}  // namespace hcl
