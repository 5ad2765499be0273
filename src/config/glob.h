// Glob patterns over branch names, tags and repository paths.
//
//   *       any run of characters except '/'
//   **      any run of characters including '/'; as a whole segment
//           (`a/**/b`, `**/x`) it also matches zero directories
//   ?       one character except '/'
//   [a-z]   one character of a class; `[!...]` or `[^...]` negates it;
//           a class never matches '/'
//   \c      the character c itself
//
// A pattern list reads like .gitignore: `!pattern` excludes, and the last
// pattern that matches a name decides. A list that starts with an exclusion
// starts from "everything included", so ["!wip/*"] means "all but wip/*".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace config {

class Glob {
 public:
  // The compiled pattern, or nullopt with a message in `error` (e.g. an
  // unclosed '[').
  static std::optional<Glob> compile(std::string_view pattern, std::string& error);

  bool matches(std::string_view name) const;

 private:
  enum class Kind { Literal, AnyChar, Class, Star, AnyPath, AnyDirs };
  struct Token {
    Kind kind;
    char literal = 0;
    std::vector<std::pair<char, char>> ranges;  // Class: inclusive ranges
    bool negated = false;                       // Class: [!...]
  };
  static std::optional<Token> compile_class(std::string_view pattern, size_t& i, std::string& error);
  bool matches_one(const Token& token, char c) const;

  std::vector<Token> tokens_;
};

class GlobList {
 public:
  // Compiles every pattern; nullopt with the first bad pattern's message.
  static std::optional<GlobList> compile(const std::vector<std::string>& patterns, std::string& error);

  bool matches(std::string_view name) const;

 private:
  struct Entry {
    Glob glob;
    bool exclude;
  };
  std::vector<Entry> entries_;
};

}  // namespace config
