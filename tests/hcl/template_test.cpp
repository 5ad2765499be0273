// Templates: quoted strings and heredocs, interpolation, directives, strip
// markers and the indentation removal of <<- heredocs.
#include <gtest/gtest.h>

#include <string>

#include "hcl/parser.h"

namespace hcl {
namespace {

struct Parsed {
  File file;
  const Expr* expr = nullptr;
};

Parsed parse_value(const std::string& text) {
  Diagnostics d;
  Parsed p;
  p.file = parse("t.hcl", text, d);
  EXPECT_FALSE(d.has_errors()) << render(d);
  const Attribute* a = p.file.body->attribute(*p.file.source, "x");
  EXPECT_NE(a, nullptr);
  if (a) p.expr = a->expr;
  return p;
}

// The value of a template made only of literal text.
std::string literal(const std::string& text) {
  Parsed p = parse_value(text);
  if (!p.expr || p.expr->kind != ExprKind::Literal) {
    ADD_FAILURE() << "not a literal: " << text;
    return "";
  }
  return std::string(p.file.source->text(as<LiteralExpr>(*p.expr).string));
}

// Literal parts joined, with "<expr>" for anything else.
std::string outline(const Expr& e, const SourceFile& src) {
  if (e.kind == ExprKind::Literal) return std::string(src.text(as<LiteralExpr>(e).string));
  if (e.kind != ExprKind::Template) return "<" + std::string(src.slice(e.span)) + ">";
  std::string out;
  for (const Expr* part : as<TemplateExpr>(e).parts()) out += outline(*part, src);
  return out;
}

Diagnostics errors(const std::string& text) {
  Diagnostics d;
  parse("t.hcl", text, d);
  return d;
}

TEST(Quoted, PlainStringIsALiteralSpanningTheQuotes) {
  Parsed p = parse_value("x = \"hello\"\n");
  ASSERT_EQ(p.expr->kind, ExprKind::Literal);
  EXPECT_EQ(p.file.source->slice(p.expr->span), "\"hello\"");
  EXPECT_EQ(literal("x = \"\"\n"), "");
}

TEST(Quoted, EscapedOpenersStayLiteral) { EXPECT_EQ(literal("x = \"$${a} %%{b}\"\n"), "${a} %{b}"); }

TEST(Quoted, LoneInterpolationIsAWrap) {
  Parsed p = parse_value("x = \"${a.b}\"\n");
  ASSERT_EQ(p.expr->kind, ExprKind::TemplateWrap);
  EXPECT_EQ(as<TemplateWrapExpr>(*p.expr).inner->kind, ExprKind::GetAttr);
}

TEST(Quoted, InterpolationBetweenLiterals) {
  Parsed p = parse_value("x = \"a ${b} c\"\n");
  ASSERT_EQ(p.expr->kind, ExprKind::Template);
  EXPECT_EQ(as<TemplateExpr>(*p.expr).part_count, 3u);
  EXPECT_EQ(outline(*p.expr, *p.file.source), "a <b> c");
}

TEST(Quoted, NestedTemplatesInsideInterpolation) {
  Parsed p = parse_value("x = \"a ${f(\"b ${c} d\")} e\"\n");
  const auto& t = as<TemplateExpr>(*p.expr);
  const auto& call = as<CallExpr>(*t.parts()[1]);
  EXPECT_EQ(call.args()[0]->kind, ExprKind::Template);
  EXPECT_EQ(outline(*call.args()[0], *p.file.source), "b <c> d");
}

TEST(Quoted, StripMarkersTrimAdjacentLiterals) {
  Parsed p = parse_value("x = \"a  ${~ b ~}  c\"\n");
  EXPECT_EQ(outline(*p.expr, *p.file.source), "a<b>c");
}

TEST(Directives, IfElseAndFor) {
  Parsed p = parse_value("x = \"%{ if c }yes%{ else }no%{ endif }|%{ for k, v in m }${k}%{ endfor }\"\n");
  const auto& t = as<TemplateExpr>(*p.expr);
  ASSERT_EQ(t.part_count, 3u);
  const auto& i = as<TemplateIfExpr>(*t.parts()[0]);
  EXPECT_EQ(outline(*i.then_part, *p.file.source), "yes");
  ASSERT_NE(i.else_part, nullptr);
  EXPECT_EQ(outline(*i.else_part, *p.file.source), "no");
  const auto& f = as<TemplateForExpr>(*t.parts()[2]);
  EXPECT_EQ(p.file.source->slice(f.key_var), "k");
  EXPECT_EQ(p.file.source->slice(f.value_var), "v");
  EXPECT_EQ(outline(*f.body, *p.file.source), "<k>");
}

TEST(Directives, IfWithoutElseAndNestedDirectives) {
  Parsed p = parse_value("x = \"%{ for v in l }%{ if v }${v}%{ endif }%{ endfor }\"\n");
  const auto& t = as<TemplateExpr>(*p.expr);
  const auto& f = as<TemplateForExpr>(*t.parts()[0]);
  const auto& i = as<TemplateIfExpr>(*f.body->parts()[0]);
  EXPECT_EQ(i.else_part, nullptr);
}

TEST(Directives, MismatchedDirectivesAreErrors) {
  EXPECT_EQ(errors("x = \"a %{ endif }\"\n")[0].summary, "Unexpected endif directive");
  EXPECT_EQ(errors("x = \"%{ if a }b\"\n")[0].summary, "Unexpected end of template");
  EXPECT_EQ(errors("x = \"%{ for a in b }%{ endif }\"\n")[0].summary, "Unexpected directive");
  EXPECT_EQ(errors("x = \"%{ while a }\"\n")[0].summary, "Invalid template directive");
}

TEST(Interpolation, UnclosedIsReportedWhereItEnds) {
  Diagnostics d = errors("x = \"value ${var.x\"\n");
  ASSERT_GE(d.size(), 1u);
  EXPECT_EQ(d[0].subject.start.line, 1u);
}

TEST(Heredoc, PlainHeredocKeepsEverything) {
  EXPECT_EQ(literal("x = <<EOT\n  a\n    b\nEOT\n"), "  a\n    b\n");
  EXPECT_EQ(literal("x = <<EOT\n    NOT EOT\n  EOT\n"), "    NOT EOT\n");
}

TEST(Heredoc, EmptyHeredoc) { EXPECT_EQ(literal("x = <<EOT\nEOT\n"), ""); }

TEST(Heredoc, HeredocAtTheEndOfTheFileWithoutNewline) { EXPECT_EQ(literal("x = <<EOT\nhi\nEOT"), "hi\n"); }

TEST(Heredoc, BackslashesAreLiteral) { EXPECT_EQ(literal("x = <<EOT\na\\nb $${c}\nEOT\n"), "a\\nb ${c}\n"); }

// The flush cases of the specification's heredoc test.
TEST(Heredoc, FlushRemovesTheSmallestIndentation) {
  EXPECT_EQ(literal("x = <<-EOT\n    Foo\n    Bar\n    Baz\n  EOT\n"), "Foo\nBar\nBaz\n");
  EXPECT_EQ(literal("x = <<-EOT\n    Foo\n      Bar\n    Baz\n  EOT\n"), "Foo\n  Bar\nBaz\n");
  EXPECT_EQ(literal("x = <<-EOT\n    Foo\n  Bar\n    Baz\n  EOT\n"), "  Foo\nBar\n  Baz\n");
  EXPECT_EQ(literal("x = <<-EOT\n\tFoo\n  Bar\n  Baz\n  EOT\n"), "Foo\n Bar\n Baz\n");
  EXPECT_EQ(literal("x = <<-EOT\n    Foo\n\n    Bar\n  EOT\n"), "Foo\n\nBar\n");
  // Unicode spaces count as one character each.
  EXPECT_EQ(literal("x = <<-EOT\n  \xE2\x80\x83\xE2\x80\x83" "Foo\n   Bar\n  EOT\n"), "\xE2\x80\x83" "Foo\nBar\n");
}

TEST(Heredoc, FlushCountsInterpolationsAsIndentedLines) {
  Parsed p = parse_value("x = <<-EOT\n    Foo\n  ${space_bar}\n    Baz\n  EOT\n");
  EXPECT_EQ(outline(*p.expr, *p.file.source), "  Foo\n<space_bar>\n  Baz\n");
  Parsed q = parse_value("x = <<-EOT\n    Foo\n      ${bar}\n    Baz\n  EOT\n");
  EXPECT_EQ(outline(*q.expr, *q.file.source), "Foo\n  <bar>\nBaz\n");
}

TEST(Heredoc, StripMarkersActBeforeIndentationIsRemoved) {
  Parsed p = parse_value("x = <<-EOT\n    start\n    %{~ if true ~}\n      stripped\n    %{~ endif ~}\n    end\n  EOT\n");
  const auto& t = as<TemplateExpr>(*p.expr);
  EXPECT_EQ(outline(*t.parts()[0], *p.file.source), "    start\n");
  const auto& i = as<TemplateIfExpr>(*t.parts()[1]);
  EXPECT_EQ(outline(*i.then_part, *p.file.source), "      stripped\n");
  EXPECT_EQ(outline(*t.parts()[2], *p.file.source), "    end\n");
}

TEST(Heredoc, UnterminatedIsReportedAtTheOpener) {
  Diagnostics d = errors("a {\n  x = <<EOT\nnever closed\n}\n");
  ASSERT_EQ(d.size(), 1u) << render(d);
  EXPECT_EQ(d[0].summary, "Unterminated template string");
  EXPECT_EQ(d[0].subject.start.line, 2u);
}

TEST(Heredoc, CrlfLinesAreKept) { EXPECT_EQ(literal("x = <<EOT\r\na\r\nEOT\r\n"), "a\r\n"); }

}  // namespace
}  // namespace hcl
