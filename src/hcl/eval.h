// Evaluating expressions in a scope of variables.
//
// Errors (unknown variable, wrong type, failing function...) become
// diagnostics with the range of the offending sub-expression; the failing
// expression then evaluates to null so that callers can go on and collect
// further errors. Nothing throws out of evaluate(), and nesting deeper than
// 3000 levels is a diagnostic, not a stack overflow.
//
// Evaluation runs under a Budget (see budget.h): exceeding one of its
// limits is a diagnostic at the expression being evaluated, which try()
// and can() do not catch, and ends the evaluation. Without a budget given,
// evaluate() uses one of default limits and no deadline.
//
// Besides the scope's functions, `try(...)` and `can(...)` are always
// available: they take expressions and catch their errors.
//
// Thread-safety: evaluate() only reads the tree, the scope and the function
// table, so several threads may evaluate against the same ones at once.
#pragma once

#include <memory>

#include "hcl/ast.h"
#include "hcl/budget.h"
#include "hcl/diagnostics.h"
#include "hcl/functions.h"
#include "hcl/value.h"

namespace hcl {

// The names an expression can see: root variables (`var`, `local`, `event`...)
// and the functions it may call. A child scope sees its parent's names.
struct Scope {
  Object variables;
  const FunctionTable* functions = &standard_functions();
  const Scope* parent = nullptr;

  const Value* lookup(std::string_view name) const;
};

Value evaluate(const Expr& expr, const std::shared_ptr<const SourceFile>& file, const Scope& scope,
               Diagnostics& diags);
Value evaluate(const Expr& expr, const std::shared_ptr<const SourceFile>& file, const Scope& scope,
               Diagnostics& diags, Budget& budget);

}  // namespace hcl
