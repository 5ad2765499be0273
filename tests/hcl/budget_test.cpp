// Evaluation under a Budget: each limit ends the evaluation with a
// diagnostic at the expression that exceeded it, try() and can() cannot
// catch it, and the budget stays exhausted.
#include "hcl/budget.h"

#include <gtest/gtest.h>

#include <chrono>

#include "hcl/eval.h"
#include "hcl/parser.h"

namespace hcl {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

struct Evaluation {
  Value value;
  Diagnostics diags;
  milliseconds took{0};
};

Evaluation run(const std::string& text, Budget& budget, Object variables = {}) {
  Diagnostics parse_diags;
  ParsedExpression parsed = parse_expression("limits.hcl", text, parse_diags);
  EXPECT_FALSE(parse_diags.has_errors()) << render(parse_diags);
  Evaluation result;
  if (!parsed.expr) return result;
  Scope scope;
  scope.variables = std::move(variables);
  auto start = steady_clock::now();
  result.value = evaluate(*parsed.expr, parsed.file.source, scope, result.diags, budget);
  result.took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
  return result;
}

// The one diagnostic of an evaluation that must fail.
const Diagnostic& only_error(const Evaluation& r) {
  EXPECT_EQ(r.diags.size(), 1u) << render(r.diags);
  static const Diagnostic none;
  return r.diags.empty() ? none : r.diags[0];
}

Limits with_time(milliseconds time) {
  Limits limits;
  limits.time = time;
  return limits;
}

// A value of 2^depth leaves that takes depth tuples in memory: every level
// holds the one below twice.
Value doubled(int depth) {
  Value v = "leaf";
  for (int i = 0; i < depth; ++i) v = Tuple{v, v};
  return v;
}

TEST(Budget, NestedLoopsRunOutOfTime) {
  Budget budget(with_time(milliseconds(200)));
  // Produces nothing (every element is filtered out) but loops 2^30 times.
  Evaluation r = run("[for a in r: [for b in r: [for c in r: c if false]]]", budget, {{"r", Tuple(1024, Value(1))}});
  const Diagnostic& d = only_error(r);
  EXPECT_EQ(d.summary, "Evaluation took too long");
  EXPECT_NE(d.detail.find("time limit of 200 ms"), std::string::npos) << d.detail;
  EXPECT_EQ(d.subject.start.line, 1u);
  EXPECT_GT(d.subject.start.column, 1u);  // inside the loops, where it was running
  EXPECT_LT(r.took, milliseconds(1000));
  EXPECT_TRUE(r.value.is_null());
  EXPECT_TRUE(budget.exhausted());
}

TEST(Budget, CancelStopsTheEvaluation) {
  bool cancelled = false;
  Budget budget(Limits{}, [&] { return cancelled; });
  EXPECT_TRUE(run("[for a in range(100): a]", budget).diags.empty());
  cancelled = true;
  Evaluation r = run("[for a in range(1024): [for b in range(1024): b if false]]", budget);
  EXPECT_EQ(only_error(r).summary, "Evaluation cancelled");
}

TEST(Budget, StringLength) {
  Limits limits;
  limits.max_string_bytes = 100;
  Budget budget(limits);
  EXPECT_TRUE(run("join(\"\", [for i in range(10): \"0123456789\"])", budget).diags.empty());
  Evaluation r = run("\"${x}${x}\"", budget, {{"x", std::string(60, 'x')}});
  const Diagnostic& d = only_error(r);
  EXPECT_EQ(d.summary, "String too long");
  EXPECT_NE(d.detail.find("over the limit of 100 bytes"), std::string::npos) << d.detail;
}

TEST(Budget, StringLengthInsideFunctions) {
  Limits limits;
  limits.max_string_bytes = 1000;
  for (std::string text : {"join(\"\", [for i in range(200): \"0123456789\"])", "indent(100000000000, \"a\\nb\")",
                           "replace(x, \"a\", x)", "replace(x, \"/a/\", x)", "format(\"%s%s\", x, x)",
                           "formatlist(\"%s%s\", [x], [x])", "jsonencode([x, x])"}) {
    Budget budget(limits);
    Evaluation r = run(text, budget, {{"x", std::string(600, 'a')}});
    EXPECT_EQ(only_error(r).summary, "String too long") << text;
  }
}

TEST(Budget, CollectionSize) {
  Limits limits;
  limits.max_collection_elements = 1000;
  Object y;
  for (int i = 0; i < 1000; ++i) y["k" + std::to_string(i)] = i;
  const Object variables{{"x", Tuple(1000, Value("a"))}, {"y", y}};
  for (std::string text : {"[for i in range(1001): i]", "{for i in range(1001): i => i}", "concat(x, x)",
                           "merge(y, {z = 1})", "flatten([x, x])", "split(\"\", \"${join(\"\", x)}b\")",
                           "regexall(\"a|b\", \"${join(\"\", x)}b\")"}) {
    Budget budget(limits);
    EXPECT_EQ(only_error(run(text, budget, variables)).summary, "Collection too large") << text;
  }
  Budget budget(limits);
  Evaluation within = run("[concat(x), merge(y), flatten([x]), split(\"\", join(\"\", x))]", budget, variables);
  EXPECT_TRUE(within.diags.empty()) << render(within.diags);
}

TEST(Budget, TotalOfEverythingProduced) {
  Limits limits;
  limits.max_total_bytes = 1 << 20;
  Budget budget(limits);
  // Each string is small, but together they are over the total.
  Evaluation r = run("[for i in range(1024): [for j in range(64): \"${i}-${j}-0123456789abcdef\"]]", budget);
  const Diagnostic& d = only_error(r);
  EXPECT_EQ(d.summary, "Configuration produces too much data");
  EXPECT_NE(d.detail.find("limit of 1 MiB"), std::string::npos) << d.detail;
}

TEST(Budget, ValueDepth) {
  Limits limits;
  limits.max_value_depth = 10;
  Value x = 1;
  for (int i = 0; i < 9; ++i) x = Tuple{x};
  const Object variables{{"x", x}, {"y", Tuple{x}}};
  Budget budget(limits);
  EXPECT_EQ(run("[x]", budget, variables).value.depth(), 10u);
  for (std::string text : {"[[x]]", "{a = {b = y}}", "chunklist(y, 1)", "[for v in y: [v]]"}) {
    Budget over(limits);
    const Evaluation r = run(text, over, variables);
    const Diagnostic& d = only_error(r);
    EXPECT_EQ(d.summary, "Value too deeply nested") << text;
    EXPECT_NE(d.detail.find("11 levels deep, over the limit of 10"), std::string::npos) << d.detail;
  }
}

TEST(Budget, TryAndCanDoNotCatchALimit) {
  Limits limits;
  limits.max_string_bytes = 100;
  Budget budget(limits);
  Evaluation r = run("try(\"${x}${x}\", \"fallback\")", budget, {{"x", std::string(60, 'x')}});
  EXPECT_EQ(only_error(r).summary, "String too long");
  EXPECT_TRUE(r.value.is_null());
  Budget other(limits);
  EXPECT_EQ(only_error(run("can(\"${x}${x}\")", other, {{"x", std::string(60, 'x')}})).summary, "String too long");
}

TEST(Budget, StaysExhausted) {
  Limits limits;
  limits.max_string_bytes = 100;
  Budget budget(limits);
  run("\"${x}${x}\"", budget, {{"x", std::string(60, 'x')}});
  ASSERT_TRUE(budget.exhausted());
  Evaluation r = run("1 + 1", budget);
  EXPECT_EQ(only_error(r).summary, "String too long");
  EXPECT_EQ(budget.reason().summary, "String too long");
}

TEST(Budget, SharedValuesDoNotEscapeTheLimits) {
  // 2^40 leaves in 40 tuples: writing them out, flattening or comparing
  // them would not end.
  Object variables{{"x", doubled(40)}, {"y", doubled(40)}};
  Budget encode(with_time(milliseconds(500)));
  EXPECT_EQ(only_error(run("jsonencode(x)", encode, variables)).summary, "String too long");
  Limits fewer = with_time(milliseconds(500));
  fewer.max_collection_elements = 10'000;
  Budget flat(fewer);
  EXPECT_EQ(only_error(run("flatten(x)", flat, variables)).summary, "Collection too large");
  Budget compare(with_time(milliseconds(200)));
  Evaluation r = run("x == y", compare, variables);
  EXPECT_EQ(only_error(r).summary, "Evaluation took too long");
  EXPECT_LT(r.took, milliseconds(1000));
  Budget same(with_time(milliseconds(200)));
  EXPECT_EQ(run("x == x", same, variables).value, Value(true));  // one shared value: not walked
}

TEST(Budget, DefaultLimitsApplyWithoutABudget) {
  Diagnostics diags;
  ParsedExpression parsed = parse_expression("limits.hcl", "format(\"%2000000000d\", 1)", diags);
  ASSERT_TRUE(parsed.expr);
  Scope scope;
  evaluate(*parsed.expr, parsed.file.source, scope, diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].detail.find("over the limit of 1000"), std::string::npos) << diags[0].detail;
}

TEST(Budget, FormatWidthAndPrecision) {
  for (std::string text : {"format(\"%2000000000d\", 1)", "format(\"%99999999999999999999d\", 1)",
                           "format(\"%.1000000000f\", 1)", "format(\"%-1001s\", \"x\")"}) {
    Budget budget;
    Evaluation r = run(text, budget);
    const Diagnostic& d = only_error(r);
    EXPECT_NE(d.detail.find("is over the limit of 1000"), std::string::npos) << text << ": " << d.detail;
    EXPECT_FALSE(budget.exhausted());  // a plain function error
  }
  Budget budget;
  EXPECT_EQ(run("format(\"%5d|%-4s|%.2f\", 42, \"ab\", 3.14159)", budget).value, Value("   42|ab  |3.14"));
  EXPECT_EQ(run("length(format(\"%1000d\", 1))", budget).value, Value(1000));
}

TEST(Budget, RegexIsLinear) {
  Budget budget(with_time(milliseconds(1000)));
  const std::string as(100000, 'a');
  Evaluation r = run("regex(\"^(a+)+$\", \"${x}b\")", budget, {{"x", as}});
  EXPECT_EQ(only_error(r).detail, "Call to function \"regex\" failed: pattern did not match any part of the given string.");
  EXPECT_LT(r.took, milliseconds(500));
  EXPECT_EQ(run("length(regex(\"^.*$\", x))", budget, {{"x", as}}).value, Value(100000));
  EXPECT_EQ(run("length(regexall(\"(a)\", x))", budget, {{"x", as}}).value, Value(100000));
  EXPECT_FALSE(budget.exhausted());
}

}  // namespace
}  // namespace hcl
