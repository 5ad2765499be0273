#include "config/references.h"

#include <gtest/gtest.h>

#include "hcl/parser.h"

namespace config {
namespace {

// "root.attribute" for each reference, in order.
std::vector<std::string> refs(const std::string& text) {
  hcl::Diagnostics diags;
  hcl::ParsedExpression parsed = hcl::parse_expression("test.hcl", text, diags);
  EXPECT_FALSE(diags.has_errors()) << hcl::render(diags);
  std::vector<std::string> out;
  if (!parsed.expr) return out;
  for (const auto& r : references(*parsed.expr, *parsed.file.source))
    out.push_back(std::string(r.root) + (r.attribute.empty() ? "" : "." + std::string(r.attribute)));
  return out;
}

using Strings = std::vector<std::string>;

TEST(References, RootsWithTheirAttribute) {
  EXPECT_EQ(refs("\"${var.a} ${local.b[0]} ${upper(event.tag)}\""), (Strings{"var.a", "local.b", "event.tag"}));
}

TEST(References, EveryKindOfExpressionIsWalked) {
  EXPECT_EQ(refs("c.x ? { (k.y) = -n.z } : [m.w + 1, !p.q]"), (Strings{"c.x", "k.y", "n.z", "m.w", "p.q"}));
  EXPECT_EQ(refs("list.items[*].id"), (Strings{"list.items"}));
  EXPECT_EQ(refs("\"%{ if a.b }x%{ else }${c.d}%{ endif }\""), (Strings{"a.b", "c.d"}));
}

TEST(References, NamesBoundByForAreNotReferences) {
  EXPECT_EQ(refs("[for s in local.list : \"--${s}\" if s != var.skip]"), (Strings{"local.list", "var.skip"}));
  EXPECT_EQ(refs("{for k, v in local.map : k => v.x}"), (Strings{"local.map"}));
  EXPECT_EQ(refs("\"%{ for c in local.combos }${c.cc}%{ endfor }${c.outside}\""),
            (Strings{"local.combos", "c.outside"}));
}

TEST(References, TheSpanCoversRootAndAttribute) {
  hcl::Diagnostics diags;
  hcl::ParsedExpression parsed = hcl::parse_expression("test.hcl", "1 + var.count", diags);
  ASSERT_TRUE(parsed.expr);
  auto found = references(*parsed.expr, *parsed.file.source);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].span.begin, 4u);
  EXPECT_EQ(found[0].span.end, 13u);
}

}  // namespace
}  // namespace config
