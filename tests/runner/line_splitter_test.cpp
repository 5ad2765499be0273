#include "runner/line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace runner {
namespace {

struct Collect {
  std::vector<std::string> lines;
  auto sink() {
    return [this](std::string_view line) { lines.emplace_back(line); };
  }
};

TEST(LineSplitter, CompleteLinesComeOutAsTheyArrive) {
  LineSplitter splitter;
  Collect out;
  splitter.feed("one\ntwo\nthr", out.sink());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"one", "two"}));
  splitter.feed("ee\n", out.sink());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(LineSplitter, UnterminatedRestIsFlushedAtTheEnd) {
  LineSplitter splitter;
  Collect out;
  splitter.feed("a\npartial", out.sink());
  splitter.finish(out.sink());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"a", "partial"}));
  splitter.finish(out.sink());
  EXPECT_EQ(out.lines.size(), 2u);
}

TEST(LineSplitter, EmptyLinesAndCarriageReturnsAreKeptApart) {
  LineSplitter splitter;
  Collect out;
  splitter.feed("\n\r\nx\r\n", out.sink());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"", "", "x"}));
}

TEST(LineSplitter, LongLinesAreCutAtTheBound) {
  LineSplitter splitter(4);
  Collect out;
  splitter.feed("abcdefghij\nxy", out.sink());
  splitter.feed("zwvu", out.sink());
  splitter.finish(out.sink());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"abcd", "efgh", "ij", "xyzw", "vu"}));
}

TEST(LineSplitter, LongLineStartedInAnEarlierReadIsCutAtTheBoundToo) {
  LineSplitter splitter(4);
  Collect out;
  splitter.feed("ab", out.sink());
  splitter.feed("cdefghij\nk\n", out.sink());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"abcd", "efgh", "ij", "k"}));
}

TEST(LineSplitter, LineOfExactlyTheBoundIsOneLine) {
  LineSplitter splitter(4);
  Collect out;
  splitter.feed("ab", out.sink());
  splitter.feed("cd\nef\n", out.sink());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"abcd", "ef"}));
}

}  // namespace
}  // namespace runner
