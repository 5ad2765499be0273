// Fuzzes the whole HCL engine on arbitrary bytes: parse, convert to JSON,
// and evaluate every attribute (in every block) in a scope with a few
// variables. Any crash, sanitizer report or hang is a bug; diagnostics are
// the expected outcome for most inputs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "hcl/eval.h"
#include "hcl/json.h"
#include "hcl/parser.h"

namespace {

const hcl::Scope& fuzz_scope() {
  static const hcl::Scope scope = [] {
    hcl::Scope s;
    s.variables["var"] = hcl::Object{{"name", "ci"}, {"list", hcl::Tuple{1, "two", 3.5}}, {"flag", true}};
    s.variables["local"] = hcl::Object{{"n", 42}, {"map", hcl::Object{{"a", 1}, {"b", hcl::Value()}}}};
    s.variables["event"] = hcl::Object{{"name", "push"}, {"branch", "main"}};
    return s;
  }();
  return scope;
}

void evaluate_body(const hcl::Body& body, const hcl::File& file, hcl::Diagnostics& diags) {
  for (const hcl::Attribute& a : body.attributes()) hcl::evaluate(*a.expr, file.source, fuzz_scope(), diags);
  for (const hcl::Block& b : body.blocks()) evaluate_body(b.body, file, diags);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hcl::Diagnostics diags;
  hcl::File file = hcl::parse("fuzz.hcl", std::string(reinterpret_cast<const char*>(data), size), diags);
  std::string json = hcl::to_hcl2json(file);
  evaluate_body(*file.body, file, diags);
  std::string rendered = hcl::render(diags);
  return 0;
}
