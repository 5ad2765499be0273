#include "core/git_ref.h"

#include <gtest/gtest.h>

#include <string>

using core::ref_name_problem;

TEST(GitRef, NamesGitAndAShellReadAsOneWordAreAccepted) {
  for (const char* name : {"main", "feature/parser-v2", "release/2.0", "v1.2.3", "JIRA-12_fix+more#3", "a/b/c",
                           "@foo", "caf\xC3\xA9", "x=y", "100%"})
    EXPECT_EQ(ref_name_problem(name), "") << name;
}

TEST(GitRef, GitCheckRefFormatRulesAreFollowed) {
  const std::pair<const char*, const char*> refused[] = {
      {"", "it is empty"},
      {"@", "'@' alone is not a name"},
      {"a b", "it contains a space"},
      {"tab\there", "it contains a control character"},
      {"esc\x1b[0m", "it contains a control character"},
      {"del\x7f", "it contains a control character"},
      {"a~1", "it contains '~'"},
      {"a^", "it contains '^'"},
      {"a:b", "it contains ':'"},
      {"a?", "it contains '?'"},
      {"a*", "it contains '*'"},
      {"a[1]", "it contains '['"},
      {"a\\b", "it contains '\\'"},
      {"a..b", "it contains '..'"},
      {"a@{1}", "it contains '@{'"},
      {"a.", "it ends with '.'"},
      {"a/.b", "a component starts with '.'"},
      {".a", "a component starts with '.'"},
      {"a.lock", "a component ends with '.lock'"},
      {"a.lock/b", "a component ends with '.lock'"},
      {"a//b", "it has an empty component (a leading, trailing or double '/')"},
      {"/a", "it has an empty component (a leading, trailing or double '/')"},
      {"a/", "it has an empty component (a leading, trailing or double '/')"},
  };
  for (const auto& [name, problem] : refused) EXPECT_EQ(ref_name_problem(name), problem) << name;
}

// Git takes these; a `run` script interpolating ${event.branch} would run them.
TEST(GitRef, NamesAShellWouldActOnAreRefused) {
  for (const char* name : {"$(id)", "x$HOME", "`id`", "a'b", "a\"b", "a;id", "a&b", "a|b", "a<b", "a>b", "(a)"})
    EXPECT_NE(ref_name_problem(name).find("which a shell would act on"), std::string::npos) << name;
  EXPECT_EQ(ref_name_problem("-rf"), "it starts with '-' (it would read as an option)");
}
