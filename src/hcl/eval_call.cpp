// Function calls: lookup, `...` expansion, arity, and turning FunctionError
// into a diagnostic on the argument at fault.
#include <vector>

#include "hcl/eval_evaluator.h"

namespace hcl {

namespace {

std::string arity_text(const Function& f) {
  std::string count = std::to_string(f.min_args) + " argument" + (f.min_args == 1 ? "" : "s");
  if (f.max_args < 0) return "at least " + count;
  if (f.max_args == f.min_args) return count;
  return std::to_string(f.min_args) + " to " + std::to_string(f.max_args) + " arguments";
}

std::string sentence(std::string text) {
  if (!text.empty() && text.back() != '.') text += '.';
  return text;
}

// try and can take expressions rather than values: the errors of their
// arguments are caught instead of reported, so the evaluator runs them.
const Function kTry{"try", 1, -1, "try(expressions...)", nullptr};
const Function kCan{"can", 1, 1, "can(expression)", nullptr};

}  // namespace

Value Evaluator::call(const CallExpr& e, const Scope& scope) {
  std::string_view name = file_->slice(e.name_span());
  if (name == kTry.name || name == kCan.name) return catching_call(e, scope, name == kCan.name);
  const Function* f = scope.functions ? scope.functions->find(name) : nullptr;
  if (!f) return unknown_function(e, scope);
  std::vector<Value> args;
  args.reserve(e.arg_count);
  bool ok = true;
  for (const Expr* arg : e.args()) {
    auto v = value_of(*arg, scope);
    ok = ok && v.has_value();
    args.push_back(v.value_or(Value()));
  }
  if (!ok) return Value();
  if (e.expand_final && e.arg_count > 0) {
    Value last = std::move(args.back());
    args.pop_back();
    if (last.type() != Type::Tuple) {
      error(e.arg_data[e.arg_count - 1]->span, "Invalid expanding argument value",
            "The expanding argument (indicated by ...) must be a tuple, but this is " + describe(last) + ".");
      return Value();
    }
    args.insert(args.end(), last.as_tuple().begin(), last.as_tuple().end());
  }
  return charge_result(call_function(e, *f, args));
}

Value Evaluator::unknown_function(const CallExpr& e, const Scope& scope) {
  std::string_view name = file_->slice(e.name_span());
  std::string_view close = scope.functions ? scope.functions->suggest(name) : std::string_view();
  error(e.name_span(), "Call to unknown function",
        "There is no function named \"" + std::string(name) + "\"." +
            (close.empty() ? std::string() : " Did you mean \"" + std::string(close) + "\"?"));
  return Value();
}

bool Evaluator::check_arity(const CallExpr& e, const Function& f, size_t arg_count) {
  auto count = static_cast<int>(arg_count);
  if (count >= f.min_args && (f.max_args < 0 || count <= f.max_args)) return true;
  bool too_many = count > f.min_args;
  // Point at the first surplus argument when there is one in the source.
  Span where = too_many && f.max_args < static_cast<int>(e.arg_count) ? e.arg_data[f.max_args]->span : e.span;
  error(where, too_many ? "Too many function arguments" : "Not enough function arguments",
        "Function \"" + std::string(f.name) + "\" expects " + arity_text(f) + ": " + std::string(f.signature) +
            "; got " + std::to_string(count) + ".");
  return false;
}

// can(x): whether x evaluates without error. try(a, b...): the first
// argument that evaluates without error; an error if none does.
Value Evaluator::catching_call(const CallExpr& e, const Scope& scope, bool is_can) {
  if (!check_arity(e, is_can ? kCan : kTry, e.arg_count)) return Value();
  Diagnostics caught;
  for (const Expr* arg : e.args()) {
    Diagnostics attempt;
    Evaluator inner(file_, attempt, budget_);
    inner.depth_ = depth_;
    inner.splat_item_ = splat_item_;
    Value v = inner.eval(*arg, scope);
    if (attempt.empty()) return is_can ? Value(true) : v;
    caught.add(attempt[0]);
  }
  if (is_can) return false;
  std::string detail = "Call to function \"try\" failed: no expression succeeded:";
  for (const Diagnostic& d : caught)
    detail += "\n- " + d.summary + " (at " + std::to_string(d.subject.start.line) + ":" +
              std::to_string(d.subject.start.column) + ")\n  " + d.detail;
  error(e.span, "Error in function call", detail + "\nAt least one expression must produce a successful result.");
  return Value();
}

Value Evaluator::call_function(const CallExpr& e, const Function& f, const std::vector<Value>& args) {
  if (!check_arity(e, f, args.size())) return Value();
  try {
    return f.call(args);
  } catch (const FunctionError& err) {
    if (err.arg_index() < 0 || (e.arg_count == 0)) {
      error(e.span, "Error in function call",
            "Call to function \"" + std::string(f.name) + "\" failed: " + sentence(err.what()));
    } else {
      // With `...` expansion, arguments past the written ones come from the last.
      uint32_t at = std::min<uint32_t>(static_cast<uint32_t>(err.arg_index()), e.arg_count - 1);
      error(e.arg_data[at]->span, "Invalid function argument", sentence(err.what()));
    }
  } catch (const std::exception& err) {
    error(e.span, "Error in function call",
          "Call to function \"" + std::string(f.name) + "\" failed: " + sentence(err.what()));
  }
  return Value();
}

}  // namespace hcl
