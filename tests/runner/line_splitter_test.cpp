#include "runner/line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace runner {
namespace {

// Feeds and finishes the splitter, keeping copies of every line.
struct Collect {
  explicit Collect(LineSplitter& splitter) : splitter(splitter) {}
  void feed(std::string_view data) {
    views.clear();
    splitter.feed(data, views);
    lines.insert(lines.end(), views.begin(), views.end());
  }
  void finish() {
    views.clear();
    splitter.finish(views);
    lines.insert(lines.end(), views.begin(), views.end());
  }
  LineSplitter& splitter;
  std::vector<std::string_view> views;
  std::vector<std::string> lines;
};

TEST(LineSplitter, CompleteLinesComeOutAsTheyArrive) {
  LineSplitter splitter;
  Collect out(splitter);
  out.feed("one\ntwo\nthr");
  EXPECT_EQ(out.lines, (std::vector<std::string>{"one", "two"}));
  out.feed("ee\n");
  EXPECT_EQ(out.lines, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(LineSplitter, UnterminatedRestIsFlushedAtTheEnd) {
  LineSplitter splitter;
  Collect out(splitter);
  out.feed("a\npartial");
  out.finish();
  EXPECT_EQ(out.lines, (std::vector<std::string>{"a", "partial"}));
  out.finish();
  EXPECT_EQ(out.lines.size(), 2u);
}

TEST(LineSplitter, EmptyLinesAndCarriageReturnsAreKeptApart) {
  LineSplitter splitter;
  Collect out(splitter);
  out.feed("\n\r\nx\r\n");
  EXPECT_EQ(out.lines, (std::vector<std::string>{"", "", "x"}));
}

TEST(LineSplitter, LongLinesAreCutAtTheBound) {
  LineSplitter splitter(4);
  Collect out(splitter);
  out.feed("abcdefghij\nxy");
  out.feed("zwvu");
  out.finish();
  EXPECT_EQ(out.lines, (std::vector<std::string>{"abcd", "efgh", "ij", "xyzw", "vu"}));
}

TEST(LineSplitter, LongLineStartedInAnEarlierReadIsCutAtTheBoundToo) {
  LineSplitter splitter(4);
  Collect out(splitter);
  out.feed("ab");
  out.feed("cdefghij\nk\n");
  EXPECT_EQ(out.lines, (std::vector<std::string>{"abcd", "efgh", "ij", "k"}));
}

TEST(LineSplitter, LineOfExactlyTheBoundIsOneLine) {
  LineSplitter splitter(4);
  Collect out(splitter);
  out.feed("ab");
  out.feed("cd\nef\n");
  EXPECT_EQ(out.lines, (std::vector<std::string>{"abcd", "ef"}));
}

TEST(LineSplitter, LinesOfOneFeedStayValidTogether) {
  LineSplitter splitter(4);
  std::vector<std::string_view> lines;
  splitter.feed("ab", lines);
  std::string data = "c\nd\nefghijk";
  splitter.feed(data, lines);
  EXPECT_EQ(lines, (std::vector<std::string_view>{"abc", "d", "efgh"}));
  lines.clear();
  splitter.finish(lines);
  EXPECT_EQ(lines, (std::vector<std::string_view>{"ijk"}));
}

}  // namespace
}  // namespace runner
