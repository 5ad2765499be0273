// Evaluating configuration expressions into the types the schema wants.
//
// Each conversion reports a wrong type or value at the expression (or at the
// offending list element) and returns nullopt. An expression already known
// to be broken (a static error was reported, or it uses a local whose
// evaluation failed) is skipped silently, so one mistake gives one message.
//
// Evaluations run under the context's budget, and what the conversions copy
// out of values counts towards it: when it runs out, the limit is reported
// and OutOfBudget thrown.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/plan.h"
#include "hcl/eval.h"

namespace config {

// Thrown by Evaluator when the budget ran out, after reporting why; load()
// and plan() catch it and stop.
struct OutOfBudget {};

// What evaluations can see, and what they must leave alone.
struct EvaluationContext {
  hcl::Budget* budget = nullptr;        // bounds every evaluation; never null once made
  // The functions, when not only the standard ones (config/hashfiles.h):
  // scope.functions points here.
  std::shared_ptr<const hcl::FunctionTable> functions;
  hcl::Scope scope;                     // var, local, event, repo (and matrix in a child scope)
  std::set<std::string> failed_locals;  // expressions using these are skipped
  std::set<const hcl::Expr*> skip;      // expressions whose errors were already reported
};

// A string from a list, with the place it came from.
struct ListItem {
  std::string value;
  Origin origin;
};

class Evaluator {
 public:
  Evaluator(const EvaluationContext& context, const hcl::Scope& scope, hcl::Diagnostics& diags)
      : context_(context), scope_(scope), diags_(diags) {}

  // The raw value; nullopt when evaluation failed or was skipped.
  std::optional<hcl::Value> value(const Expression& e);

  // `what` names the attribute in messages: "run", "retry"...
  std::optional<std::string> string(const Expression& e, std::string_view what);
  std::optional<std::vector<ListItem>> string_list(const Expression& e, std::string_view what);
  std::optional<core::Env> env(const Expression& e);
  std::optional<std::chrono::milliseconds> duration(const Expression& e, std::string_view what);
  std::optional<int> count(const Expression& e, std::string_view what);
  std::optional<bool> boolean(const Expression& e, std::string_view what);
  // TCP ports: whole numbers from 1 to 65535.
  std::optional<int> port(const Expression& e, std::string_view what);
  std::optional<std::vector<int>> port_list(const Expression& e, std::string_view what);
  // A list of objects; `example` completes "write e.g. " in the message
  // for another type.
  std::optional<std::vector<hcl::Object>> object_list(const Expression& e, std::string_view what,
                                                      std::string_view example);

  // Reports a problem found in values already evaluated; failed() turns true.
  void error(const Origin& origin, std::string summary, std::string detail);

  // Whether any evaluation through this evaluator failed.
  bool failed() const { return failed_; }
  hcl::Diagnostics& diagnostics() { return diags_; }

 private:
  bool skipped(const Expression& e) const;
  // Counts `bytes` copied out of values against the budget.
  void charge(const Expression& e, size_t bytes);
  template <class T>
  std::optional<T> fail(const Origin& origin, std::string summary, std::string detail);

  const EvaluationContext& context_;
  const hcl::Scope& scope_;
  hcl::Diagnostics& diags_;
  bool failed_ = false;
};

// The place of element `i` when `e` is written as a list literal, else of
// the whole expression.
Origin element_origin(const Expression& e, size_t i);

}  // namespace config
