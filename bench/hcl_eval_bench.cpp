// Evaluation speed of typical configuration expressions: templates, for
// expressions over a matrix, function calls. Parsing happens once, outside
// the timed loop.
#include <benchmark/benchmark.h>

#include "hcl/eval.h"
#include "hcl/parser.h"

namespace {

hcl::Object variables(int items) {
  hcl::Tuple servers;
  for (int i = 0; i < items; ++i)
    servers.emplace_back(hcl::Object{{"name", "server-" + std::to_string(i)}, {"port", 8000 + i}});
  return hcl::Object{{"servers", servers},
                     {"event", hcl::Object{{"branch", "main"}, {"name", "push"}, {"sha", "0123abcd"}}}};
}

void evaluate_expression(benchmark::State& state, const char* text) {
  hcl::Diagnostics parse_diags;
  hcl::ParsedExpression parsed = hcl::parse_expression("bench.hcl", text, parse_diags);
  if (!parsed.expr || parse_diags.has_errors()) {
    state.SkipWithError("expression does not parse");
    return;
  }
  hcl::Scope scope;
  scope.variables = variables(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    hcl::Diagnostics diags;
    hcl::Value v = hcl::evaluate(*parsed.expr, parsed.file.source, scope, diags);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Template(benchmark::State& state) {
  evaluate_expression(state, "\"build ${event.name} on ${upper(event.branch)} at ${substr(event.sha, 0, 7)}\"");
}
BENCHMARK(BM_Template)->Arg(1);

void BM_ForObject(benchmark::State& state) {
  evaluate_expression(state, "{for s in servers: s.name => \"${s.name}:${s.port}\" if s.port % 2 == 0}");
}
BENCHMARK(BM_ForObject)->Arg(10)->Arg(100);

void BM_SplatJoin(benchmark::State& state) {
  evaluate_expression(state, "join(\",\", sort(servers[*].name))");
}
BENCHMARK(BM_SplatJoin)->Arg(10)->Arg(100);

}  // namespace

BENCHMARK_MAIN();
