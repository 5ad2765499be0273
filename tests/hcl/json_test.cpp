// hcl2json output: values, expressions as "${...}", templates, block nesting.
#include "hcl/json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace hcl {
namespace {

nlohmann::json convert(const std::string& text) {
  Diagnostics d;
  File f = parse("t.hcl", text, d);
  EXPECT_FALSE(d.has_errors()) << render(d);
  return nlohmann::json::parse(to_hcl2json(f));
}

std::string raw(const std::string& text) {
  Diagnostics d;
  return to_hcl2json(parse("t.hcl", text, d));
}

TEST(Hcl2Json, NumbersPrintLikeTheReference) {
  EXPECT_EQ(raw("a = [1000, -1.5e-3, 1e3, 2.5E-2, 6.02e23, 1e-7, 0.5, -0]\n"),
            "{\n  \"a\": [\n    1000,\n    -0.0015,\n    1000,\n    0.025,\n    6.02e+23,\n    1e-7,\n    0.5,\n"
            "    0\n  ]\n}");
}

TEST(Hcl2Json, LayoutIsTwoSpaceIndentWithSortedKeys) {
  EXPECT_EQ(raw("b = {}\na = []\nc { }\n"), "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    {}\n  ]\n}");
  EXPECT_EQ(raw(""), "{}");
}

TEST(Hcl2Json, ExpressionsBecomeTheirSourceText) {
  auto j = convert("a = var.x\nb = f(1, \"s\")\nc = !x\nd = !true\ne = -x\n");
  EXPECT_EQ(j["a"], "${var.x}");
  EXPECT_EQ(j["b"], "${f(1, \"s\")}");
  EXPECT_EQ(j["c"], "${!x}");
  EXPECT_EQ(j["d"], false);
  EXPECT_EQ(j["e"], "${-x}");
}

TEST(Hcl2Json, StringsKeepTemplateEscapes) {
  auto j = convert("a = \"$${x} %%{y} $ %\"\nb = \"tab\\t\\u00e9\"\nc = \"\\u0001\"\n");
  EXPECT_EQ(j["a"], "$${x} %%{y} $ %");
  EXPECT_EQ(j["b"], "tab\té");
  EXPECT_EQ(raw("c = \"\\u0001\"\n"), "{\n  \"c\": \"\\u0001\"\n}");
}

TEST(Hcl2Json, TemplatesKeepInterpolationsAndRewriteDirectives) {
  auto j = convert(
      "a = \"x ${ y } z\"\n"
      "b = \"${c ? \"p\" : \"\"}${n}\"\n"
      "d = \"%{ for k, v in m ~}\\n${k}%{ endfor }\"\n"
      "e = \"%{ if a }1%{ else }2%{ endif }\"\n"
      "f = \"${x}\"\n");
  EXPECT_EQ(j["a"], "x ${y} z");
  EXPECT_EQ(j["b"], "%{if c}p%{endif}${n}");
  EXPECT_EQ(j["d"], "%{for k, v in m}${k}%{endfor}");
  EXPECT_EQ(j["e"], "%{if a}1%{else}2%{endif}");
  EXPECT_EQ(j["f"], "${x}");
}

TEST(Hcl2Json, TuplesAndObjectsMixLiteralsAndExpressions) {
  auto j = convert("a = [1, x, \"s\"]\nb = { k = v, \"q r\" = 2, (e) = 3, a.b = 4 }\n");
  EXPECT_EQ(j["a"], nlohmann::json::parse(R"([1, "${x}", "s"])"));
  EXPECT_EQ(j["b"], nlohmann::json::parse(R"({"k": "${v}", "q r": 2, "${(e)}": 3, "a.b": 4})"));
}

TEST(Hcl2Json, BlocksNestByTypeThenLabels) {
  auto j = convert("p \"a\" \"x\" { n = 1 }\np \"a\" \"x\" { n = 2 }\np \"b\" {}\nq {}\n");
  EXPECT_EQ(j, nlohmann::json::parse(R"({"p": {"a": {"x": [{"n": 1}, {"n": 2}]}, "b": [{}]}, "q": [{}]})"));
}

TEST(Hcl2Json, HeredocsBecomeStrings) {
  auto j = convert("a = <<-EOT\n    one\n      two ${x}\n    EOT\n");
  EXPECT_EQ(j["a"], "one\n  two ${x}\n");
}

}  // namespace
}  // namespace hcl
