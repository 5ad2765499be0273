// The lexer on its own: expression tokens, numbers, comments, literal text
// with escapes, heredoc lines, UTF-8 validation.
#include "hcl/lexer.h"

#include <gtest/gtest.h>

#include <vector>

#include "hcl/arena.h"

namespace hcl {
namespace {

struct Lexed {
  std::vector<Tok> types;
  std::vector<std::string> texts;
  Diagnostics diags;
};

Lexed lex_all(std::string_view text) {
  static std::shared_ptr<const SourceFile> file = std::make_shared<SourceFile>("t.hcl", "");
  Arena arena;
  Lexed out;
  Lexer lex(text, 0, arena, out.diags, file);
  for (;;) {
    Token t = lex.next();
    if (t.type == Tok::Eof) break;
    out.types.push_back(t.type);
    out.texts.emplace_back(text.substr(t.span.begin, t.span.end - t.span.begin));
  }
  return out;
}

TEST(Lexer, IdentifiersMayContainDashes) {
  Lexed l = lex_all("plain-dash _x a1 föo");
  EXPECT_EQ(l.types, (std::vector<Tok>{Tok::Ident, Tok::Ident, Tok::Ident, Tok::Ident}));
  EXPECT_EQ(l.texts, (std::vector<std::string>{"plain-dash", "_x", "a1", "föo"}));
}

TEST(Lexer, NumbersInAllForms) {
  Lexed l = lex_all("1 1.5 1e3 1.5E-2 6.02e+23");
  EXPECT_EQ(l.texts, (std::vector<std::string>{"1", "1.5", "1e3", "1.5E-2", "6.02e+23"}));
  for (Tok t : l.types) EXPECT_EQ(t, Tok::Number);
  EXPECT_TRUE(l.diags.empty());
}

TEST(Lexer, GluedNumbersAreOneInvalidLiteral) {
  for (std::string_view bad : {"0xFF", "1.2.3", "10s", "1e"}) {
    Lexed l = lex_all(bad);
    ASSERT_EQ(l.types.size(), 1u) << bad;
    EXPECT_EQ(l.types[0], Tok::Invalid);
    ASSERT_EQ(l.diags.size(), 1u);
    EXPECT_EQ(l.diags[0].summary, "Invalid number literal");
  }
}

TEST(Lexer, OperatorsAndPunctuation) {
  Lexed l = lex_all("== != <= >= && || => ... ~} ? : ! % .");
  EXPECT_EQ(l.types, (std::vector<Tok>{Tok::EqualEqual, Tok::NotEqual, Tok::LessEqual, Tok::GreaterEqual, Tok::And,
                                       Tok::Or, Tok::FatArrow, Tok::Ellipsis, Tok::TildeRBrace, Tok::Question,
                                       Tok::Colon, Tok::Bang, Tok::Percent, Tok::Dot}));
}

TEST(Lexer, CommentsOfEveryStyleAreSkippedButLineCommentsKeepTheirNewline) {
  Lexed l = lex_all("a # one\nb // two\r\nc /* three\n more */ d");
  EXPECT_EQ(l.types, (std::vector<Tok>{Tok::Ident, Tok::Newline, Tok::Ident, Tok::Newline, Tok::Ident, Tok::Ident}));
  EXPECT_EQ(l.texts[3], "\r\n");
}

TEST(Lexer, UnterminatedBlockCommentIsReported) {
  Lexed l = lex_all("a /* never closed");
  ASSERT_EQ(l.diags.size(), 1u);
  EXPECT_EQ(l.diags[0].summary, "Unterminated comment");
}

TEST(Lexer, SingleQuoteGetsAnActionableMessage) {
  Lexed l = lex_all("'gcc'");
  ASSERT_GE(l.diags.size(), 1u);
  EXPECT_EQ(l.diags[0].summary, "Invalid character");
  EXPECT_NE(l.diags[0].detail.find("double quotes"), std::string::npos);
}

TEST(Lexer, HeredocOpenerIncludesItsNewline) {
  Lexed l = lex_all("<<EOT\n<<-X\r\n");
  EXPECT_EQ(l.types, (std::vector<Tok>{Tok::OHeredoc, Tok::OHeredoc}));
  EXPECT_EQ(l.texts[1], "<<-X\r\n");
  Lexed bad = lex_all("<< EOT\n");
  EXPECT_EQ(bad.types[0], Tok::Invalid);
  EXPECT_EQ(bad.diags[0].summary, "Invalid heredoc");
}

TEST(Lexer, InvalidUtf8InIdentifierOrCommentIsReported) {
  Lexed l = lex_all("a # caf\xC3\n");
  ASSERT_EQ(l.diags.size(), 1u);
  EXPECT_EQ(l.diags[0].summary, "Invalid character encoding");
}

TEST(Utf8, SequenceLengths) {
  EXPECT_EQ(utf8_sequence_length("a"), 1u);
  EXPECT_EQ(utf8_sequence_length("é"), 2u);
  EXPECT_EQ(utf8_sequence_length("✓"), 3u);
  EXPECT_EQ(utf8_sequence_length("🚀"), 4u);
  EXPECT_EQ(utf8_sequence_length("\xC0\xAF"), 0u);          // overlong
  EXPECT_EQ(utf8_sequence_length("\xED\xA0\x80"), 0u);      // surrogate
  EXPECT_EQ(utf8_sequence_length("\xF4\x90\x80\x80"), 0u);  // beyond U+10FFFF
  EXPECT_EQ(utf8_sequence_length("\xE2\x9C"), 0u);          // truncated
}

struct Literal {
  std::shared_ptr<const SourceFile> file;
  LiteralText lit;
  Diagnostics diags;
  Arena arena;
};

// Scans the literal text of a quoted string whose opening quote was read.
std::unique_ptr<Literal> quoted(std::string_view text) {
  auto out = std::make_unique<Literal>();
  out->file = std::make_shared<SourceFile>("t.hcl", std::string(text));
  Lexer lex(out->file->text(), 0, out->arena, out->diags, out->file);
  out->lit = lex.scan_quoted_literal();
  return out;
}

TEST(QuotedLiteral, PlainTextIsAViewIntoTheSource) {
  auto l = quoted("hello\" rest");
  EXPECT_EQ(l->lit.end, LiteralEnd::Close);
  EXPECT_EQ(l->lit.value, "hello");
  EXPECT_EQ(l->lit.value.data(), l->file->text().data());
}

TEST(QuotedLiteral, AllEscapesAreDecoded) {
  auto l = quoted(R"(a\nb\rc\td\"e\\f\u00e9\U0001F680 $${x} %%{y} $$ %%")");
  EXPECT_TRUE(l->diags.empty());
  EXPECT_EQ(l->lit.value, "a\nb\rc\td\"e\\fé🚀 ${x} %{y} $$ %%");
}

TEST(QuotedLiteral, StopsBeforeInterpolationAndDirective) {
  EXPECT_EQ(quoted("ab${x}\"")->lit.end, LiteralEnd::Interp);
  EXPECT_EQ(quoted("ab%{ if x }\"")->lit.end, LiteralEnd::Directive);
  EXPECT_EQ(quoted("ab${x}\"")->lit.value, "ab");
}

TEST(QuotedLiteral, BadEscapesAreReportedAtTheBackslash) {
  auto l = quoted(R"(bad \q and \u12 and \UD800DC00")");
  ASSERT_EQ(l->diags.size(), 3u);
  for (const auto& d : l->diags) EXPECT_EQ(d.summary, "Invalid escape sequence");
  EXPECT_EQ(l->diags[0].subject.start.byte, 4u);
  EXPECT_EQ(quoted(R"(\UFFFFFFFF \U00110000")")->diags.size(), 2u);  // beyond Unicode
}

TEST(QuotedLiteral, NewlineEndsWithInvalidMultiLineString) {
  auto l = quoted("echo hello\n}");
  EXPECT_EQ(l->lit.end, LiteralEnd::Error);
  ASSERT_EQ(l->diags.size(), 1u);
  EXPECT_EQ(l->diags[0].summary, "Invalid multi-line string");
  EXPECT_EQ(l->diags[0].subject.start.byte, 10u);
}

TEST(QuotedLiteral, InvalidUtf8IsReportedAtTheByte) {
  auto l = quoted("bad \xFF\xFE bytes\"");
  ASSERT_EQ(l->diags.size(), 2u);
  EXPECT_EQ(l->diags[0].summary, "Invalid character encoding");
  EXPECT_EQ(l->diags[0].subject.start.byte, 4u);
}

TEST(QuotedLiteral, EndOfFileIsReportedByTheCaller) {
  auto l = quoted("never closed");
  EXPECT_EQ(l->lit.end, LiteralEnd::Eof);
  EXPECT_TRUE(l->diags.empty());
}

TEST(HeredocLiteral, ReadsOneLineAtATimeAndFindsTheMarker) {
  static std::shared_ptr<const SourceFile> file = std::make_shared<SourceFile>("t.hcl", "");
  std::string_view text = "line \\n one\n  EOTX\n  EOT\n";
  Arena arena;
  Diagnostics diags;
  Lexer lex(text, 0, arena, diags, file);
  LiteralText a = lex.scan_heredoc_literal("EOT");
  EXPECT_EQ(a.end, LiteralEnd::LineEnd);
  EXPECT_EQ(a.value, "line \\n one\n");  // backslashes are literal in heredocs
  LiteralText b = lex.scan_heredoc_literal("EOT");
  EXPECT_EQ(b.value, "  EOTX\n");  // the marker must stand alone on its line
  LiteralText c = lex.scan_heredoc_literal("EOT");
  EXPECT_EQ(c.end, LiteralEnd::Close);
  EXPECT_TRUE(c.value.empty());
  Span marker = lex.consume_heredoc_close("EOT");
  EXPECT_EQ(text.substr(marker.begin, marker.end - marker.begin), "EOT");
  EXPECT_EQ(lex.next().type, Tok::Newline);
}

}  // namespace
}  // namespace hcl
