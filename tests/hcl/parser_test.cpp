// Parsing bodies and expressions into the syntax tree, error recovery and
// the nesting limit.
#include "hcl/parser.h"

#include <gtest/gtest.h>

#include <string>

#include "hcl/parser_impl.h"
#include "thread_stack.h"

namespace hcl {
namespace {

const Expr& expr_of(const File& f, std::string_view name = "x") {
  static const LiteralExpr missing;
  const Attribute* a = f.body->attribute(*f.source, name);
  if (a) return *a->expr;
  ADD_FAILURE() << "no attribute " << name;
  return missing;
}

std::string src(const File& f, const Expr& e) { return std::string(f.source->slice(e.span)); }
std::string_view src(const File& f, Span s) { return f.source->slice(s); }
std::string_view text(const File& f, Text t) { return f.source->text(t); }

File parse_ok(std::string text) {
  Diagnostics d;
  File f = parse("t.hcl", std::move(text), d);
  EXPECT_FALSE(d.has_errors()) << render(d);
  return f;
}

Diagnostics parse_errors(std::string text) {
  Diagnostics d;
  parse("t.hcl", std::move(text), d);
  return d;
}

TEST(Body, AttributesAndBlocksWithQuotedAndBareLabels) {
  File f = parse_ok("a = 1\npipeline \"build\" ci {\n  b = 2\n  stage \"s\" {}\n}\n");
  ASSERT_EQ(f.body->attribute_count, 1u);
  ASSERT_EQ(f.body->block_count, 1u);
  const Block& b = f.body->blocks()[0];
  EXPECT_EQ(src(f, b.type_span), "pipeline");
  ASSERT_EQ(b.label_count, 2u);
  EXPECT_EQ(text(f, b.labels()[0].value), "build");
  EXPECT_EQ(text(f, b.labels()[1].value), "ci");
  EXPECT_EQ(src(f, b.labels()[0].span), "\"build\"");
  EXPECT_EQ(src(f, b.body.attributes()[0].name_span), "b");
  EXPECT_EQ(src(f, b.body.blocks()[0].type_span), "stage");
}

TEST(Body, LabelEscapesAreDecoded) {
  File f = parse_ok("b \"a\\tb\\u00e9\" {}\n");
  EXPECT_EQ(text(f, f.body->blocks()[0].labels()[0].value), "a\tbé");
}

TEST(Body, OneLineBlocks) {
  File f = parse_ok("exec \"x\" { run = \"true\" }\nempty {}\nspaced { }\n");
  ASSERT_EQ(f.body->block_count, 3u);
  EXPECT_EQ(src(f, f.body->blocks()[0].body.attributes()[0].name_span), "run");
  EXPECT_TRUE(f.body->blocks()[1].body.attributes().empty());
}

TEST(Body, BomAndCrlfAreAccepted) {
  File f = parse_ok("\xEF\xBB\xBFx = \"a\"\r\nb {\r\n  y = 1\r\n}\r\n");
  EXPECT_EQ(text(f, as<LiteralExpr>(expr_of(f)).string), "a");
  EXPECT_EQ(src(f, f.body->blocks()[0].body.attributes()[0].name_span), "y");
}

TEST(Body, EmptyFileHasAnEmptyBody) {
  File f = parse_ok("");
  EXPECT_TRUE(f.body->attributes().empty());
  EXPECT_TRUE(f.body->blocks().empty());
}

TEST(Body, DuplicateAttributeNamesBothPlaces) {
  Diagnostics d = parse_errors("a {\n  t = 1\n  t = 2\n}\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].summary, "Attribute redefined");
  EXPECT_EQ(d[0].subject.start.line, 3u);
  EXPECT_NE(d[0].detail.find("t.hcl:2:3"), std::string::npos) << d[0].detail;
}

TEST(Body, DuplicatesInALargeBodyAreFoundToo) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "a" + std::to_string(i) + " = 1\n";
  text += "a7 = 2\n";
  Diagnostics d = parse_errors(text);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].subject.start.line, 501u);
}

TEST(Recovery, IndependentErrorsAreAllReported) {
  Diagnostics d = parse_errors(
      "a {\n  x == 1\n}\n"
      "b {\n  y = [1 2]\n  ok = 1\n}\n"
      "c {\n  z = \"open\n}\n"
      "d \"l\" { p = 1 q = 2 }\n");
  ASSERT_EQ(d.size(), 4u) << render(d);
  EXPECT_EQ(d[0].subject.start.line, 2u);
  EXPECT_EQ(d[1].subject.start.line, 5u);
  EXPECT_EQ(d[1].summary, "Missing item separator");
  EXPECT_EQ(d[2].subject.start.line, 9u);
  EXPECT_EQ(d[3].summary, "Invalid single-argument block definition");
}

TEST(Recovery, TheRestOfTheFileIsStillParsed) {
  Diagnostics d;
  File f = parse("t.hcl", "a = )\nb = 2\nc { d = [1,, 2] }\ne = 3\n", d);
  EXPECT_EQ(d.size(), 2u) << render(d);
  EXPECT_NE(f.body->attribute(*f.source, "b"), nullptr);
  EXPECT_NE(f.body->attribute(*f.source, "e"), nullptr);
}

TEST(Recovery, ErrorsCarryFileLineColumnAndByteRange) {
  Diagnostics d = parse_errors("x {\n  v = 1 +\n}\n");
  ASSERT_GE(d.size(), 1u);
  const Diagnostic& e = d[0];
  ASSERT_TRUE(e.subject.file);
  EXPECT_EQ(e.subject.file->name(), "t.hcl");
  EXPECT_EQ(e.subject.start.line, 2u);
  EXPECT_EQ(e.subject.start.column, 10u);
  EXPECT_EQ(e.subject.start.byte, 13u);
  EXPECT_GT(e.subject.end.byte, e.subject.start.byte);
  EXPECT_FALSE(e.detail.empty());
}

TEST(Recovery, UnclosedBlockPointsAtItsBrace) {
  Diagnostics d = parse_errors("a {\n  b {\n  }\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].summary, "Unclosed configuration block");
  EXPECT_EQ(d[0].subject.start.column, 3u);
}

TEST(Expr, LiteralsAndVariables) {
  File f = parse_ok("x = true\ny = null\nz = 1.5\nv = var\n");
  EXPECT_TRUE(as<LiteralExpr>(expr_of(f)).boolean);
  EXPECT_EQ(as<LiteralExpr>(expr_of(f, "y")).literal, LiteralKind::Null);
  EXPECT_EQ(as<LiteralExpr>(expr_of(f, "z")).number().as_double(), 1.5);
  EXPECT_EQ(src(f, expr_of(f, "v")), "var");
  EXPECT_EQ(expr_of(f, "v").kind, ExprKind::Variable);
}

TEST(Expr, PrecedenceFollowsHcl) {
  File f = parse_ok("x = a || b && c == d + e * f\n");
  const auto& top = as<BinaryExpr>(expr_of(f));
  EXPECT_EQ(top.op, BinaryOp::Or);
  const auto& rhs = as<BinaryExpr>(*top.rhs);
  EXPECT_EQ(rhs.op, BinaryOp::And);
  const auto& eq = as<BinaryExpr>(*rhs.rhs);
  EXPECT_EQ(eq.op, BinaryOp::Equal);
  const auto& add = as<BinaryExpr>(*eq.rhs);
  EXPECT_EQ(add.op, BinaryOp::Add);
  EXPECT_EQ(as<BinaryExpr>(*add.rhs).op, BinaryOp::Multiply);
}

TEST(Expr, BinaryOperatorsAreLeftAssociative) {
  File f = parse_ok("x = 100 * 3 / 4 % 7\n");
  const auto& mod = as<BinaryExpr>(expr_of(f));
  EXPECT_EQ(mod.op, BinaryOp::Modulo);
  EXPECT_EQ(src(f, *mod.lhs), "100 * 3 / 4");
}

TEST(Expr, UnaryBindsTighterThanBinary) {
  File f = parse_ok("x = -(1 + 2) * 4\ny = !a == b\n");
  const auto& mul = as<BinaryExpr>(expr_of(f));
  EXPECT_EQ(mul.lhs->kind, ExprKind::Unary);
  EXPECT_EQ(as<UnaryExpr>(*mul.lhs).operand->kind, ExprKind::Parens);
  EXPECT_EQ(as<BinaryExpr>(expr_of(f, "y")).lhs->kind, ExprKind::Unary);
}

TEST(Expr, ConditionalNests) {
  File f = parse_ok("x = a ? b : c ? d : e\n");
  const auto& c = as<ConditionalExpr>(expr_of(f));
  EXPECT_EQ(c.false_result->kind, ExprKind::Conditional);
}

TEST(Expr, TraversalsIndexAndLegacyIndex) {
  File f = parse_ok("x = local.nested.a.c[1][k].d\ny = local.numbers.0.1\n");
  const auto& d = as<GetAttrExpr>(expr_of(f));
  EXPECT_EQ(src(f, d.name_span()), "d");
  EXPECT_EQ(as<IndexExpr>(*d.object).key->kind, ExprKind::Variable);
  const auto& legacy = as<IndexExpr>(expr_of(f, "y"));
  EXPECT_EQ(as<LiteralExpr>(*legacy.key).number().as_int(), 1);
  EXPECT_EQ(as<IndexExpr>(*legacy.collection).collection->kind, ExprKind::GetAttr);
  // An index too large for an integer is still a number, not a crash.
  File big = parse_ok("x = a.99999999999999999999999\n");
  EXPECT_FALSE(as<LiteralExpr>(*as<IndexExpr>(expr_of(big)).key).number().is_integer());
}

TEST(Expr, SplatsApplyTheirTraversalToEachElement) {
  File f = parse_ok("x = a[*].b[0].c\ny = a.*.b[0]\n");
  const auto& full = as<SplatExpr>(expr_of(f));
  EXPECT_EQ(src(f, full), "a[*].b[0].c");
  EXPECT_EQ(full.source->kind, ExprKind::Variable);
  const auto& c = as<GetAttrExpr>(*full.each);
  EXPECT_EQ(src(f, c.name_span()), "c");
  EXPECT_EQ(as<GetAttrExpr>(*as<IndexExpr>(*c.object).collection).object->kind, ExprKind::SplatItem);
  // The attribute-only splat stops at an index, which applies to its result.
  const auto& idx = as<IndexExpr>(expr_of(f, "y"));
  EXPECT_EQ(idx.collection->kind, ExprKind::Splat);
}

TEST(Expr, CallsWithExpansion) {
  File f = parse_ok("x = f(a, b...)\ny = g()\nz = h(\n  1,\n  2,\n)\n");
  const auto& c = as<CallExpr>(expr_of(f));
  EXPECT_EQ(src(f, c.name_span()), "f");
  EXPECT_EQ(c.arg_count, 2u);
  EXPECT_TRUE(c.expand_final);
  EXPECT_TRUE(as<CallExpr>(expr_of(f, "y")).args().empty());
  EXPECT_EQ(as<CallExpr>(expr_of(f, "z")).arg_count, 2u);
}

TEST(Expr, TuplesAndObjects) {
  File f = parse_ok("x = [1, \"two\", [3],]\ny = {\n  a = 1, \"b c\" : 2\n  (k) = 3\n  null = 4\n}\n");
  EXPECT_EQ(as<TupleExpr>(expr_of(f)).item_count, 3u);
  const auto& o = as<ObjectExpr>(expr_of(f, "y"));
  ASSERT_EQ(o.item_count, 4u);
  List<ObjectItem> items = o.items();
  EXPECT_TRUE(items[0].bare_key());
  EXPECT_EQ(text(f, as<LiteralExpr>(*items[0].key).string), "a");
  EXPECT_FALSE(items[1].bare_key());
  EXPECT_EQ(text(f, as<LiteralExpr>(*items[1].key).string), "b c");
  EXPECT_EQ(items[2].key->kind, ExprKind::Parens);
  EXPECT_TRUE(items[3].bare_key());
}

TEST(Expr, ForExpressions) {
  File f = parse_ok(
      "x = [for i, v in list : v if i > 0]\n"
      "y = {for k, v in m : v => k...}\n"
      "z = [\n  for v in list :\n  v\n]\n");
  const auto& t = as<ForExpr>(expr_of(f));
  EXPECT_EQ(src(f, t.key_var), "i");
  EXPECT_EQ(src(f, t.value_var), "v");
  EXPECT_EQ(t.key_result, nullptr);
  EXPECT_NE(t.condition, nullptr);
  const auto& o = as<ForExpr>(expr_of(f, "y"));
  EXPECT_NE(o.key_result, nullptr);
  EXPECT_TRUE(o.group);
  EXPECT_EQ(o.condition, nullptr);
  EXPECT_EQ(src(f, as<ForExpr>(expr_of(f, "z")).key_var), "");
}

TEST(Expr, NewlinesEndAttributesOutsideBrackets) {
  Diagnostics d = parse_errors("x = 1\n+ 2\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].subject.start.line, 2u);
  parse_ok("x = (1\n+ 2)\n");
}

TEST(Expr, StandaloneExpression) {
  Diagnostics d;
  ParsedExpression p = parse_expression("e", "upper(var.x) ", d);
  ASSERT_NE(p.expr, nullptr) << render(d);
  EXPECT_EQ(p.expr->kind, ExprKind::Call);
  Diagnostics bad;
  EXPECT_EQ(parse_expression("e", "1 2", bad).expr, nullptr);
  EXPECT_TRUE(bad.has_errors());
}

// On a 64 MB stack so that a sanitizer build, whose frames are several times
// larger, still has room for 2,000 levels.
TEST(Nesting, TwoThousandLevelsParse) {
  testpaths::on_stack_of(64 << 20, [] {
    std::string text = "x = " + std::string(2000, '[') + std::string(2000, ']') + "\n";
    File f = parse_ok(text);
    EXPECT_EQ(expr_of(f).kind, ExprKind::Tuple);
  });
}

TEST(Nesting, TooDeepIsOneCleanError) {
  for (char open : {'[', '(', '{'}) {
    char close = open == '[' ? ']' : open == '(' ? ')' : '}';
    std::string text = "x = " + std::string(100000, open) + std::string(100000, close) + "\ny = 1\n";
    Diagnostics d;
    File f = parse("t.hcl", text, d);
    ASSERT_EQ(d.size(), 1u) << open;
    EXPECT_NE(d[0].summary.find("too deeply nested"), std::string::npos);
    EXPECT_NE(f.body->attribute(*f.source, "y"), nullptr);
  }
}

TEST(Nesting, DeepBlocksAndUnaryChainsAreLimitedToo) {
  std::string blocks;
  for (int i = 0; i < 100000; ++i) blocks += "a {\n";
  Diagnostics d1 = parse_errors(blocks);
  ASSERT_GE(d1.size(), 1u);
  EXPECT_NE(d1[0].summary.find("too deeply nested"), std::string::npos);
  Diagnostics d2 = parse_errors("x = " + std::string(100000, '-') + "1\n");
  ASSERT_EQ(d2.size(), 1u);
  Diagnostics d3 = parse_errors("x = \"" + std::string(5000, '$') + "\"\n");
  EXPECT_FALSE(d3.has_errors());
  std::string interp;
  for (int i = 0; i < 100000; ++i) interp += "\"${";
  Diagnostics d4 = parse_errors("x = " + interp + "\n");
  ASSERT_GE(d4.size(), 1u);
}

TEST(Nesting, SmallThreadStacksGetTheCleanErrorToo) {
  size_t errors = 0;
  testpaths::on_stack_of(512 * 1024, [&] {
    Diagnostics d = parse_errors("x = " + std::string(2400, '[') + std::string(2400, ']') + "\n");
    errors = d.size();
  });
  EXPECT_EQ(errors, 1u);
}

}  // namespace
}  // namespace hcl
