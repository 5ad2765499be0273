#include "config/glob.h"

#include <gtest/gtest.h>

namespace config {
namespace {

bool match(std::string_view pattern, std::string_view name) {
  std::string error;
  auto glob = Glob::compile(pattern, error);
  EXPECT_TRUE(glob) << pattern << ": " << error;
  return glob && glob->matches(name);
}

bool list_match(const std::vector<std::string>& patterns, std::string_view name) {
  std::string error;
  auto list = GlobList::compile(patterns, error);
  EXPECT_TRUE(list) << error;
  return list && list->matches(name);
}

std::string compile_error(std::string_view pattern) {
  std::string error;
  EXPECT_FALSE(Glob::compile(pattern, error)) << pattern;
  return error;
}

TEST(Glob, LiteralsMatchExactly) {
  EXPECT_TRUE(match("main", "main"));
  EXPECT_FALSE(match("main", "mainline"));
  EXPECT_FALSE(match("main", "mai"));
  EXPECT_TRUE(match("", ""));
  EXPECT_FALSE(match("", "x"));
}

TEST(Glob, StarStaysInsideOneSegment) {
  EXPECT_TRUE(match("release/*", "release/1.0"));
  EXPECT_TRUE(match("release/*", "release/"));
  EXPECT_FALSE(match("release/*", "release/1.0/hotfix"));
  EXPECT_TRUE(match("v*", "v1.2.0"));
  EXPECT_TRUE(match("*.md", "README.md"));
  EXPECT_FALSE(match("*.md", "docs/README.md"));
  EXPECT_TRUE(match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(match("a*b*c", "aXXbYY"));
}

TEST(Glob, DoubleStarCrossesSegments) {
  EXPECT_TRUE(match("src/**", "src/a"));
  EXPECT_TRUE(match("src/**", "src/x/y/z"));
  EXPECT_FALSE(match("src/**", "src"));
  EXPECT_FALSE(match("src/**", "lib/src/a"));
  EXPECT_TRUE(match("feature/**", "feature/a/b"));
  EXPECT_TRUE(match("**", "anything/at/all"));
}

TEST(Glob, DoubleStarSegmentMatchesZeroDirectories) {
  EXPECT_TRUE(match("src/**/*.md", "src/a.md"));
  EXPECT_TRUE(match("src/**/*.md", "src/x/y/a.md"));
  EXPECT_FALSE(match("src/**/*.md", "src/x/a.txt"));
  EXPECT_TRUE(match("**/*.md", "README.md"));
  EXPECT_TRUE(match("**/*.md", "docs/deep/README.md"));
  EXPECT_TRUE(match("a/**/b", "a/b"));
  EXPECT_TRUE(match("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(match("a/**/b", "a/xb"));
}

TEST(Glob, QuestionMarkIsOneCharacter) {
  EXPECT_TRUE(match("v?", "v1"));
  EXPECT_FALSE(match("v?", "v12"));
  EXPECT_FALSE(match("a?b", "a/b"));
  EXPECT_TRUE(match("caf?", "caf\xc3\xa9"));  // é is two bytes, one character
}

TEST(Glob, CharacterClasses) {
  EXPECT_TRUE(match("v[0-9]", "v7"));
  EXPECT_FALSE(match("v[0-9]", "vx"));
  EXPECT_TRUE(match("[abc]x", "bx"));
  EXPECT_TRUE(match("v[!0-9]", "vx"));
  EXPECT_FALSE(match("v[!0-9]", "v1"));
  EXPECT_TRUE(match("v[^0-9]", "vx"));
  EXPECT_TRUE(match("[]]", "]"));
  EXPECT_TRUE(match("[a-]", "-"));
  EXPECT_FALSE(match("a[!x]b", "a/b"));
}

TEST(Glob, BackslashEscapes) {
  EXPECT_TRUE(match("\\*", "*"));
  EXPECT_FALSE(match("\\*", "x"));
  EXPECT_TRUE(match("\\[x]", "[x]"));
}

TEST(Glob, BadPatternsAreErrors) {
  EXPECT_NE(compile_error("v[0-9").find("never closed"), std::string::npos);
  EXPECT_NE(compile_error("x\\").find("lone"), std::string::npos);
  EXPECT_NE(compile_error("[z-a]").find("reversed"), std::string::npos);
}

TEST(Glob, HostilePatternStaysFast) {
  std::string name(2000, 'a');
  EXPECT_FALSE(match("*a*a*a*a*a*a*a*a*a*a*a*a*b", name));
  EXPECT_FALSE(match("**a**a**a**a**a**a**b", name));
}

TEST(GlobList, LastMatchingPatternWins) {
  std::vector<std::string> paths{"src/**", "!src/**/*.md"};
  EXPECT_TRUE(list_match(paths, "src/a.txt"));
  EXPECT_FALSE(list_match(paths, "src/README.md"));
  EXPECT_FALSE(list_match(paths, "docs/a.txt"));
  std::vector<std::string> reincluded{"src/**", "!src/**/*.md", "src/keep.md"};
  EXPECT_TRUE(list_match(reincluded, "src/keep.md"));
  EXPECT_FALSE(list_match(reincluded, "src/other.md"));
}

TEST(GlobList, ListStartingWithExclusionStartsFromEverything) {
  EXPECT_TRUE(list_match({"!wip/*"}, "main"));
  EXPECT_FALSE(list_match({"!wip/*"}, "wip/x"));
  EXPECT_FALSE(list_match({"v*", "!v*-rc*"}, "v1.3.0-rc1"));
  EXPECT_TRUE(list_match({"v*", "!v*-rc*"}, "v1.2.0"));
}

TEST(GlobList, EmptyListMatchesNothing) { EXPECT_FALSE(list_match({}, "main")); }

TEST(GlobList, ReportsTheBadPattern) {
  std::string error;
  EXPECT_FALSE(GlobList::compile({"main", "!rel[ease"}, error));
  EXPECT_NE(error.find("rel[ease"), std::string::npos);
}

}  // namespace
}  // namespace config
