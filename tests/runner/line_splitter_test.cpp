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

TEST(LineSplitter, CutsNeverSplitAUtf8Sequence) {
  LineSplitter splitter(4);
  Collect out(splitter);
  out.feed("abc\xC3\xA9" "de\xE2\x82\xAC\xF0\x9F\x98\x80!\n");  // "abc", é, "de", €, 😀, "!"
  EXPECT_EQ(out.lines, (std::vector<std::string>{"abc", "\xC3\xA9" "de", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "!"}));
}

TEST(LineSplitter, BytesThatAreNotUtf8AreCutAtTheBound) {
  LineSplitter splitter(4);
  Collect out(splitter);
  out.feed("\x80\x80\x80\x80\x80\x80\n");
  EXPECT_EQ(out.lines, (std::vector<std::string>{"\x80\x80\x80\x80", "\x80\x80"}));
}

TEST(LineSplitter, MasksLinesWithAMask) {
  const core::SecretMask mask{{{"TOKEN", "s3cr3t"}}};
  LineSplitter splitter(LineSplitter::kMaxLine, &mask);
  Collect out(splitter);
  out.feed("a s3cr3t\r\nb s3c");
  out.feed("r3t c\n\nlast s3cr3t");
  out.finish();
  EXPECT_EQ(out.lines, (std::vector<std::string>{"a ***", "b *** c", "", "last ***"}));
}

// A secret at every position around the cuts of a long line, the line fed
// in reads of every size: the pieces, joined, are the whole line masked, so
// no cut shows any part of the secret; none is longer than the bound.
TEST(LineSplitter, ASecretAcrossACutIsMaskedWhole) {
  for (const std::string& secret : {std::string("s3cr3t-value"), std::string("0123456789abcdefghijklmnopqrstuvwxyz")}) {
    const core::SecretMask mask{{{"TOKEN", secret}}};
    for (std::size_t before = 0; before < 40; ++before) {
      const std::string line = std::string(before, '.') + secret + std::string(20, '-');
      const std::string expected = std::string(before, '.') + "***" + std::string(20, '-');
      for (std::size_t read = 1; read <= line.size() + 1; read += 3) {
        LineSplitter splitter(16, &mask);
        Collect out(splitter);
        for (std::size_t at = 0; at < line.size(); at += read) out.feed(std::string_view(line).substr(at, read));
        out.feed("\n");
        std::string joined;
        for (const auto& piece : out.lines) {
          EXPECT_LE(piece.size(), 16u);
          joined += piece;
        }
        EXPECT_EQ(joined, expected) << secret << " after " << before << " bytes, reads of " << read;
      }
    }
  }
}

TEST(LineSplitter, AnEmptyMaskSplitsAsWithout) {
  const core::SecretMask mask;
  LineSplitter splitter(4, &mask);
  Collect out(splitter);
  out.feed("abcdefghij\nxy");
  out.finish();
  EXPECT_EQ(out.lines, (std::vector<std::string>{"abcd", "efgh", "ij", "xy"}));
}

}  // namespace
}  // namespace runner
