// The shared HCL corpus: every file with a reference JSON converts to it,
// every broken file fails at the line HashiCorp's parser reports, and the
// specification suite's inputs parse or fail as their .t files say.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "test_paths.h"
#include "thread_stack.h"
#include "hcl/json.h"
#include "hcl/parser.h"

namespace hcl {
namespace {

namespace fs = std::filesystem;

fs::path corpus() { return testpaths::shared_dir() / "hcl-corpus"; }

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> files_with(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Corpus, Hcl2JsonMatchesTheReferenceConverter) {
  int compared = 0;
  for (const char* dir : {"ci", "edge", "hashicorp-fuzz-seeds"}) {
    for (const fs::path& hcl : files_with(corpus() / dir, ".hcl")) {
      fs::path expected = fs::path(hcl).replace_extension(".json");
      if (!fs::exists(expected)) continue;
      Diagnostics d;
      File f = parse_file(hcl, d);
      ASSERT_FALSE(d.has_errors()) << render(d);
      nlohmann::json ours = nlohmann::json::parse(to_hcl2json(f));
      nlohmann::json theirs = nlohmann::json::parse(read(expected));
      EXPECT_EQ(ours, theirs) << hcl << "\n" << ours.dump(2);
      ++compared;
    }
  }
  EXPECT_GE(compared, 34);
}

// On a thread with a 64 MB stack: a sanitizer build's frames are several
// times larger, and on a smaller stack it reports "too deeply nested".
TEST(Corpus, DeepNestingParses) {
  testpaths::on_stack_of(64 << 20, [] {
    Diagnostics d;
    File f = parse_file(corpus() / "edge" / "deep-nesting.hcl", d);
    EXPECT_FALSE(d.has_errors()) << render(d);
    EXPECT_NE(f.body->attribute(*f.source, "x"), nullptr);
  });
}

struct Expected {
  std::string file;
  unsigned line = 0;
  std::string summary;
  std::vector<unsigned> also;
};

std::vector<Expected> expected_broken() {
  std::vector<Expected> out;
  std::istringstream in(read(corpus() / "broken" / "EXPECTED.tsv"));
  std::string row;
  while (std::getline(in, row)) {
    if (row.empty() || row[0] == '#') continue;
    std::vector<std::string> cols;
    std::istringstream cells(row);
    for (std::string c; std::getline(cells, c, '\t');) cols.push_back(c);
    Expected e;
    e.file = cols.at(0);
    e.line = static_cast<unsigned>(std::stoul(cols.at(1)));
    e.summary = cols.at(2);
    if (cols.size() > 3) {
      std::istringstream lines(cols[3]);
      for (std::string l; std::getline(lines, l, ',');) e.also.push_back(static_cast<unsigned>(std::stoul(l)));
    }
    out.push_back(e);
  }
  return out;
}

TEST(Corpus, BrokenFilesFailAtTheExpectedLine) {
  std::vector<Expected> all = expected_broken();
  ASSERT_EQ(all.size(), 24u);
  for (const Expected& e : all) {
    Diagnostics d;
    parse_file(corpus() / "broken" / e.file, d);
    ASSERT_TRUE(d.has_errors()) << e.file;
    const Diagnostic& first = d[0];
    unsigned line = first.subject.start.line;
    bool ok = line == e.line || std::find(e.also.begin(), e.also.end(), line) != e.also.end();
    EXPECT_TRUE(ok) << e.file << ": first error on line " << line << ", expected " << e.line << "\n" << render(d);
    EXPECT_FALSE(first.detail.empty()) << e.file;
    // Every error is placed, and at most a few follow from one mistake.
    for (const Diagnostic& each : d) EXPECT_TRUE(each.subject.file) << e.file;
    EXPECT_LE(d.size(), 3u) << e.file << "\n" << render(d);
  }
}

TEST(Corpus, BrokenFilesUseHashiCorpSummariesWhereTheyFit) {
  // Where our message is more precise than HashiCorp's generic one we keep
  // ours; every other file gets the same summary.
  const std::vector<std::string> more_precise = {"heredoc-missing-marker.hcl", "hex-literal.hcl",
                                                 "unclosed-comment.hcl", "unterminated-interp.hcl"};
  for (const Expected& e : expected_broken()) {
    if (std::find(more_precise.begin(), more_precise.end(), e.file) != more_precise.end()) continue;
    Diagnostics d;
    parse_file(corpus() / "broken" / e.file, d);
    ASSERT_TRUE(d.has_errors());
    EXPECT_EQ(d[0].summary, e.summary) << e.file;
  }
}

// The `from` positions of the errors a specification test expects.
std::vector<std::pair<unsigned, unsigned>> expected_error_starts(const fs::path& t) {
  Diagnostics d;
  File f = parse_file(t, d);
  EXPECT_FALSE(d.has_errors()) << render(d);
  std::vector<std::pair<unsigned, unsigned>> out;
  const SourceFile& source = *f.source;
  for (const Block& diags : f.body->blocks()) {
    if (source.slice(diags.type_span) != "diagnostics") continue;
    for (const Block& err : diags.body.blocks()) {
      if (source.slice(err.type_span) != "error") continue;
      for (const Block& from : err.body.blocks()) {
        if (source.slice(from.type_span) != "from") continue;
        auto num = [&](std::string_view name) {
          return static_cast<unsigned>(as<LiteralExpr>(*from.body.attribute(source, name)->expr).number().as_int());
        };
        out.emplace_back(num("line"), num("column"));
      }
    }
  }
  return out;
}

TEST(Corpus, SpecificationSuiteParsesOrFailsAsExpected) {
  int inputs = 0, failing = 0;
  for (const fs::path& hcl : files_with(corpus() / "specsuite", ".hcl")) {
    fs::path t = fs::path(hcl).replace_extension(".t");
    if (!fs::exists(t)) continue;
    ++inputs;
    auto expected = expected_error_starts(t);
    // This input is valid syntax; its error comes from its decoding schema.
    if (hcl.parent_path().filename() == "attributes" && hcl.stem() == "unexpected") expected.clear();
    Diagnostics d;
    parse_file(hcl, d);
    std::vector<std::pair<unsigned, unsigned>> ours;
    for (const Diagnostic& each : d) ours.emplace_back(each.subject.start.line, each.subject.start.column);
    EXPECT_EQ(ours, expected) << hcl << "\n" << render(d);
    failing += !expected.empty();
  }
  EXPECT_EQ(inputs, 15);
  EXPECT_EQ(failing, 3);
}

}  // namespace
}  // namespace hcl
