// Which root variables an expression uses (`var.x`, `local.y`, `matrix.z`),
// found without evaluating it, so that references can be checked with a
// precise message and locals ordered by their dependencies.
#pragma once

#include <string_view>
#include <vector>

#include "hcl/ast.h"

namespace config {

struct Reference {
  std::string_view root;       // "var", "local", "event", "repo", "matrix" or an unknown name
  std::string_view attribute;  // "x" in var.x; empty when the root is used alone
  hcl::Span span;              // the root through the attribute
};

// Every use of a root variable, in source order. Names bound by `for`
// expressions and directives inside the expression are not references.
std::vector<Reference> references(const hcl::Expr& expr, const hcl::SourceFile& source);

// The names of the functions the expression calls, in source order
// (`try` and `can` among them).
std::vector<std::string_view> function_calls(const hcl::Expr& expr, const hcl::SourceFile& source);

}  // namespace config
