#include "hcl/eval.h"

#include <gtest/gtest.h>

#include "hcl/parser.h"
#include "thread_stack.h"

namespace hcl {
namespace {

Value list(std::initializer_list<Value> items) { return Tuple(items); }

// The variables every test can see.
Object test_variables() {
  return Object{
      {"name", "world"},
      {"count", 3},
      {"flag", true},
      {"nothing", Value()},
      {"items", list({"a", "b", "c"})},
      {"numbers", list({1, 2, 3})},
      {"servers", list({Object{{"name", "web"}, {"port", 80}}, Object{{"name", "db"}, {"port", 5432}}})},
      {"config", Object{{"region", "eu"}, {"size", 2}, {"tags", Object{{"env", "prod"}}}}},
  };
}

struct Evaluation {
  Value value;
  Diagnostics diags;
};

Evaluation run(const std::string& text, const Scope* parent = nullptr) {
  Diagnostics parse_diags;
  ParsedExpression parsed = parse_expression("test.hcl", text, parse_diags);
  EXPECT_FALSE(parse_diags.has_errors()) << render(parse_diags);
  Evaluation result;
  if (!parsed.expr) return result;
  Scope scope;
  scope.variables = test_variables();
  scope.parent = parent;
  result.value = evaluate(*parsed.expr, parsed.file.source, scope, result.diags);
  return result;
}

// The value of an expression that must evaluate without diagnostics.
Value ok(const std::string& text) {
  Evaluation r = run(text);
  EXPECT_TRUE(r.diags.empty()) << text << "\n" << render(r.diags);
  return r.value;
}

// "Summary@line:column" of the single diagnostic an expression must give;
// the value must be null.
std::string error(const std::string& text) {
  Evaluation r = run(text);
  EXPECT_EQ(r.diags.size(), 1u) << text << "\n" << render(r.diags);
  EXPECT_TRUE(r.value.is_null()) << text;
  if (r.diags.empty()) return "no diagnostic";
  const Diagnostic& d = r.diags[0];
  return d.summary + "@" + std::to_string(d.subject.start.line) + ":" + std::to_string(d.subject.start.column);
}

std::string detail(const std::string& text) {
  Evaluation r = run(text);
  return r.diags.empty() ? "no diagnostic" : r.diags[0].detail;
}

TEST(EvalLiterals, Primitives) {
  EXPECT_EQ(ok("null"), Value());
  EXPECT_EQ(ok("true"), Value(true));
  EXPECT_EQ(ok("1.5"), Value(1.5));
  EXPECT_EQ(ok("9007199254740993"), Value(9007199254740993));
  EXPECT_EQ(ok("\"a\\tb\""), Value("a\tb"));
  EXPECT_EQ(ok("(((1)))"), Value(1));
}

TEST(EvalTemplates, Interpolation) {
  EXPECT_EQ(ok("\"hello ${name}!\""), Value("hello world!"));
  EXPECT_EQ(ok("\"${count} ${flag} ${1.5}\""), Value("3 true 1.5"));
  EXPECT_EQ(ok("\"${count}\""), Value(3));  // a lone interpolation is not converted
  EXPECT_EQ(ok("\"${items}\""), list({"a", "b", "c"}));
  EXPECT_EQ(ok("\"${\"\"}${true}\""), Value("true"));
  EXPECT_EQ(ok("\"a ${\"b ${name}\"} c\""), Value("a b world c"));
  EXPECT_EQ(ok("<<EOT\nhi ${name}\nEOT\n"), Value("hi world\n"));
}

TEST(EvalTemplates, InterpolationErrors) {
  EXPECT_EQ(error("\"x ${nothing} y\""), "Invalid template interpolation value@1:6");
  EXPECT_EQ(error("\"x ${items}\""), "Invalid template interpolation value@1:6");
  EXPECT_NE(detail("\"x ${items}\"").find("this is a tuple of 3 elements"), std::string::npos);
  EXPECT_EQ(error("\"x ${nope}\""), "Unknown variable@1:6");  // reported once, not twice
}

TEST(EvalTemplates, Directives) {
  EXPECT_EQ(ok("\"%{ if flag }yes%{ else }no%{ endif }\""), Value("yes"));
  EXPECT_EQ(ok("\"%{ if !flag }yes%{ endif }\""), Value(""));
  EXPECT_EQ(ok("\"%{ for x in items }${x},%{ endfor }\""), Value("a,b,c,"));
  EXPECT_EQ(ok("\"%{ for i, x in items }${i}=${x} %{ endfor }\""), Value("0=a 1=b 2=c "));
  EXPECT_EQ(ok("\"%{ for k, v in config.tags }${k}:${v}%{ endfor }\""), Value("env:prod"));
  EXPECT_EQ(ok("\"%{ for v in [true] }${v}%{ endfor }\""), Value("true"));
  EXPECT_EQ(error("\"%{ if name }x%{ endif }\""), "Incorrect condition type@1:8");
  EXPECT_EQ(error("\"%{ if nothing }x%{ endif }\""), "Null condition@1:8");
  EXPECT_EQ(error("\"%{ for x in name }x%{ endfor }\""), "Iteration over non-iterable value@1:14");
  EXPECT_EQ(error("\"%{ for x in nothing }x%{ endfor }\""), "Iteration over null value@1:14");
}

TEST(EvalVariables, LookupAndScopes) {
  EXPECT_EQ(ok("name"), Value("world"));
  EXPECT_EQ(error("nme"), "Unknown variable@1:1");
  EXPECT_EQ(detail("nme"), "There is no variable named \"nme\". Did you mean \"name\"?");
  EXPECT_EQ(detail("zzzzzz"), "There is no variable named \"zzzzzz\".");

  Scope root;
  root.variables = Object{{"outer", "o"}, {"name", "hidden"}};
  Evaluation r = run("\"${outer}-${name}\"", &root);
  EXPECT_TRUE(r.diags.empty()) << render(r.diags);
  EXPECT_EQ(r.value, Value("o-world"));  // the nearer scope wins
  r = run("outr", &root);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].detail, "There is no variable named \"outr\". Did you mean \"outer\"?");
}

TEST(EvalAccess, Attributes) {
  EXPECT_EQ(ok("config.region"), Value("eu"));
  EXPECT_EQ(ok("config.tags.env"), Value("prod"));
  EXPECT_EQ(error("config.regon"), "Unsupported attribute@1:8");
  EXPECT_EQ(detail("config.regon"), "This object does not have an attribute named \"regon\". Did you mean \"region\"?");
  EXPECT_EQ(error("nothing.x"), "Attempt to get attribute from null value@1:9");
  EXPECT_EQ(error("servers.name"), "Unsupported attribute@1:9");
  EXPECT_NE(detail("servers.name").find("[*].name"), std::string::npos);
  EXPECT_EQ(error("name.length"), "Unsupported attribute@1:6");
}

TEST(EvalAccess, Index) {
  EXPECT_EQ(ok("items[1]"), Value("b"));
  EXPECT_EQ(ok("items[\"2\"]"), Value("c"));
  EXPECT_EQ(ok("items.0"), Value("a"));  // legacy index
  EXPECT_EQ(ok("config[\"region\"]"), Value("eu"));
  EXPECT_EQ(ok("servers[1].port"), Value(5432));
  EXPECT_EQ(ok("{\"1\" = \"x\"}[1]"), Value("x"));  // keys convert to strings
  EXPECT_EQ(error("items[3]"), "Invalid index@1:7");
  EXPECT_NE(detail("items[3]").find("the collection has 3 elements"), std::string::npos);
  EXPECT_EQ(error("items[-1]"), "Invalid index@1:7");
  EXPECT_NE(detail("items[-1]").find("negative"), std::string::npos);
  EXPECT_EQ(error("items[1.5]"), "Invalid index@1:7");
  EXPECT_NE(detail("items[1.5]").find("not a whole number"), std::string::npos);
  EXPECT_EQ(error("items[\"x\"]"), "Invalid index@1:7");
  EXPECT_EQ(error("items[nothing]"), "Invalid index@1:7");
  EXPECT_EQ(error("[][0]"), "Invalid index@1:4");
  EXPECT_EQ(error("config[\"regio\"]"), "Invalid index@1:8");
  EXPECT_NE(detail("config[\"regio\"]").find("Did you mean \"region\"?"), std::string::npos);
  EXPECT_EQ(error("config[items]"), "Invalid index@1:8");
  EXPECT_EQ(error("nothing[0]"), "Attempt to index null value@1:1");
  EXPECT_EQ(error("name[0]"), "Invalid index@1:1");
}

TEST(EvalAccess, Splat) {
  EXPECT_EQ(ok("servers[*].name"), list({"web", "db"}));
  EXPECT_EQ(ok("servers.*.port"), list({80, 5432}));
  EXPECT_EQ(ok("nothing[*]"), list({}));
  EXPECT_EQ(ok("nothing.*.id"), list({}));
  EXPECT_EQ(ok("config[*].region"), list({"eu"}));  // a single value acts as a one-element tuple
  EXPECT_EQ(ok("count[*]"), list({3}));
  EXPECT_EQ(ok("[[1, 2], [3]][*][0]"), list({1, 3}));
  EXPECT_EQ(ok("servers.*.name[1]"), Value("db"));  // attribute-only splat: the index applies to the result
  EXPECT_EQ(ok("[for v in [{a = [{b = 1}, {b = 2}]}, {a = [{b = 3}]}]: v.a[*].b]"),
            list({list({1, 2}), list({3})}));
  EXPECT_EQ(error("servers[*].nme"), "Unsupported attribute@1:12");
}

TEST(EvalCalls, Functions) {
  EXPECT_EQ(ok("upper(name)"), Value("WORLD"));
  EXPECT_EQ(ok("join(\"-\", items)"), Value("a-b-c"));
  EXPECT_EQ(ok("max(numbers...)"), Value(3));
  EXPECT_EQ(ok("join(\"-\", items, [\"d\"])"), Value("a-b-c-d"));
  EXPECT_EQ(ok("format(\"%s-%s\", [\"x\", \"y\"]...)"), Value("x-y"));
  EXPECT_EQ(ok("length(\"héllo\")"), Value(5));
}

TEST(EvalCalls, Errors) {
  EXPECT_EQ(error("uper(name)"), "Call to unknown function@1:1");
  EXPECT_EQ(detail("uper(name)"), "There is no function named \"uper\". Did you mean \"upper\"?");
  EXPECT_EQ(error("file(\"x\")"), "Call to unknown function@1:1");
  EXPECT_EQ(error("upper()"), "Not enough function arguments@1:1");
  EXPECT_EQ(detail("upper()"), "Function \"upper\" expects 1 argument: upper(str); got 0.");
  EXPECT_EQ(error("upper(name, name)"), "Too many function arguments@1:13");
  EXPECT_EQ(detail("substr(\"a\", 1)"), "Function \"substr\" expects 3 arguments: substr(str, offset, length); got 2.");
  EXPECT_EQ(error("join(items, items)"), "Invalid function argument@1:6");
  EXPECT_EQ(detail("join(items, items)"), "Invalid value for \"separator\" parameter: string required.");
  EXPECT_EQ(error("join(\",\", items, [nothing])"), "Invalid function argument@1:18");
  EXPECT_EQ(error("lookup(config, \"x\")"), "Error in function call@1:1");
  EXPECT_EQ(error("max(1, [2, \"x\"]...)"), "Invalid function argument@1:8");
  EXPECT_EQ(error("max(name...)"), "Invalid expanding argument value@1:5");
  EXPECT_EQ(error("upper(nope)"), "Unknown variable@1:7");
}

TEST(EvalCalls, TryAndCan) {
  EXPECT_EQ(ok("can(regex(\"^release/\", name))"), Value(false));
  EXPECT_EQ(ok("can(regex(\"^wor\", name))"), Value(true));
  EXPECT_EQ(ok("can(config.nope)"), Value(false));
  EXPECT_EQ(ok("try(config.nope, items[7], \"fallback\")"), Value("fallback"));
  EXPECT_EQ(ok("try(config.region, \"fallback\")"), Value("eu"));
  EXPECT_EQ(ok("[for s in servers: try(s.zone, s.name)]"), list({"web", "db"}));
  EXPECT_EQ(error("try(config.nope, items[7])"), "Error in function call@1:1");
  EXPECT_NE(detail("try(config.nope, items[7])").find("- Unsupported attribute (at 1:12)"), std::string::npos);
  EXPECT_EQ(error("can()"), "Not enough function arguments@1:1");
  EXPECT_EQ(error("can(1, 2)"), "Too many function arguments@1:8");
}

TEST(EvalConditional, OnlyTheChosenBranchRuns) {
  EXPECT_EQ(ok("flag ? \"y\" : \"n\""), Value("y"));
  EXPECT_EQ(ok("!flag ? \"y\" : \"n\""), Value("n"));
  EXPECT_EQ(ok("length(items) > 5 ? items[5] : \"none\""), Value("none"));
  EXPECT_EQ(ok("\"true\" ? 1 : 2"), Value(1));
  EXPECT_EQ(error("name ? 1 : 2"), "Incorrect condition type@1:1");
  EXPECT_EQ(error("nothing ? 1 : 2"), "Null condition@1:1");
  EXPECT_EQ(error("flag ? nope : 2"), "Unknown variable@1:8");
}

TEST(EvalOperators, Arithmetic) {
  EXPECT_EQ(ok("1 + 2 * 3"), Value(7));
  EXPECT_EQ(ok("(1 + 2) * 3"), Value(9));
  EXPECT_EQ(ok("7 / 2"), Value(3.5));
  EXPECT_EQ(ok("8 / 2"), Value(4));
  EXPECT_EQ(ok("7 % 3"), Value(1));
  EXPECT_EQ(ok("-7 % 3"), Value(-1));
  EXPECT_EQ(ok("5.5 % 2"), Value(1.5));
  EXPECT_EQ(ok("\"5\" + 1"), Value(6));
  EXPECT_EQ(ok("-count"), Value(-3));
  EXPECT_EQ(ok("9007199254740993 + 0"), Value(9007199254740993));
  EXPECT_EQ(ok("9223372036854775807 + 1"), Value(9223372036854775808.0));
  EXPECT_FALSE(ok("9223372036854775807 + 1").as_number().is_integer());
  EXPECT_EQ(ok("0.1 + 0.2"), Value(0.30000000000000004));
}

TEST(EvalOperators, ArithmeticErrors) {
  EXPECT_EQ(error("1 / 0"), "Division by zero@1:1");
  EXPECT_EQ(error("1 % 0"), "Modulo by zero@1:1");
  EXPECT_EQ(error("1 + \"x\""), "Invalid operand@1:5");
  EXPECT_EQ(detail("1 + \"x\""), "Unsuitable value for right operand: a number is required, but this is a string.");
  EXPECT_EQ(error("nothing * 2"), "Invalid operand@1:1");
  EXPECT_EQ(detail("nothing * 2"), "Unsuitable value for left operand: a number is required, but it is null.");
  EXPECT_EQ(error("-name"), "Invalid operand@1:2");
  EXPECT_EQ(error("!count"), "Invalid operand@1:2");
  Evaluation both = run("items + nope");
  EXPECT_EQ(both.diags.size(), 2u);  // independent errors are all reported
}

TEST(EvalOperators, ComparisonAndLogic) {
  EXPECT_EQ(ok("1 < 2"), Value(true));
  EXPECT_EQ(ok("2 <= 2"), Value(true));
  EXPECT_EQ(ok("3 > 4"), Value(false));
  EXPECT_EQ(ok("3 >= 4"), Value(false));
  EXPECT_EQ(ok("1 == 1.0"), Value(true));
  EXPECT_EQ(ok("1 == \"1\""), Value(false));
  EXPECT_EQ(ok("[1, {a = \"x\"}] == [1, {a = \"x\"}]"), Value(true));
  EXPECT_EQ(ok("nothing == null"), Value(true));
  EXPECT_EQ(ok("items != []"), Value(true));
  EXPECT_EQ(ok("true && false || true"), Value(true));
  EXPECT_EQ(ok("!true"), Value(false));
  EXPECT_EQ(ok("nothing != null && nothing.x"), Value(false));  // the right side is skipped
  EXPECT_EQ(ok("flag || nope"), Value(true));
  EXPECT_EQ(error("1 && true"), "Invalid operand@1:1");
  EXPECT_EQ(error("true && 1"), "Invalid operand@1:9");
  EXPECT_EQ(error("name < 1"), "Invalid operand@1:1");
}

TEST(EvalCollections, TuplesAndObjects) {
  EXPECT_EQ(ok("[]"), list({}));
  EXPECT_EQ(ok("[1, \"a\", [true]]"), list({1, "a", list({true})}));
  EXPECT_EQ(ok("{a = 1, \"b\" = 2, (name) = 3, 4 = 5}"),
            Value(Object{{"a", 1}, {"b", 2}, {"world", 3}, {"4", 5}}));
  EXPECT_EQ(ok("{a: 1}"), Value(Object{{"a", 1}}));
  EXPECT_EQ(ok("{\"${name}x\" = 1}"), Value(Object{{"worldx", 1}}));
  EXPECT_EQ(error("{a = 1, a = 2}"), "Duplicate object key@1:9");
  EXPECT_NE(detail("{a = 1, a = 2}").find("line 1, column 2"), std::string::npos);
  EXPECT_EQ(error("{(nothing) = 1}"), "Null value as key@1:2");
  EXPECT_EQ(error("{(items) = 1}"), "Incorrect key type@1:2");
  EXPECT_EQ(error("[1, nope, 3]"), "Unknown variable@1:5");
}

TEST(EvalFor, Tuples) {
  EXPECT_EQ(ok("[for v in [\"a\", \"b\"]: v]"), list({"a", "b"}));
  EXPECT_EQ(ok("[for i, v in [\"a\", \"b\"]: i]"), list({0, 1}));
  EXPECT_EQ(ok("[for i, v in [\"a\", \"b\", \"c\"]: v if i < 2]"), list({"a", "b"}));
  EXPECT_EQ(ok("[for k, v in {b = 2, a = 1}: \"${k}=${v}\"]"), list({"a=1", "b=2"}));  // sorted keys
  EXPECT_EQ(ok("[for s in servers: upper(s.name)]"), list({"WEB", "DB"}));
  EXPECT_EQ(ok("[for x in []: x]"), list({}));
  EXPECT_EQ(ok("[for x in numbers: [for y in numbers: x * y if y <= x]]"),
            list({list({1}), list({2, 4}), list({3, 6, 9})}));
}

TEST(EvalFor, Objects) {
  EXPECT_EQ(ok("{for i, v in [\"a\", \"b\"]: v => i}"), Value(Object{{"a", 0}, {"b", 1}}));
  EXPECT_EQ(ok("{for i, v in [\"a\", \"a\", \"b\"]: v => i...}"),
            Value(Object{{"a", list({0, 1})}, {"b", list({2})}}));
  EXPECT_EQ(ok("{for s in servers: s.name => s.port if s.port > 100}"), Value(Object{{"db", 5432}}));
  EXPECT_EQ(ok("{for i, v in numbers: v => i}"), Value(Object{{"1", 0}, {"2", 1}, {"3", 2}}));
}

TEST(EvalFor, Errors) {
  EXPECT_EQ(error("{for i, v in [\"a\", \"a\"]: v => i}"), "Duplicate object key@1:26");
  EXPECT_EQ(error("[for x in name: x]"), "Iteration over non-iterable value@1:11");
  EXPECT_EQ(error("[for x in nothing: x]"), "Iteration over null value@1:11");
  EXPECT_EQ(error("[for x in items: x if x]"), "Invalid 'for' condition@1:23");
  EXPECT_EQ(error("[for x in items: x if nothing]"), "Null condition@1:23");
  EXPECT_EQ(error("{for x in items: nothing => x}"), "Null value as key@1:18");
  EXPECT_EQ(error("{for x in items: [x] => x}"), "Invalid object key@1:18");
  EXPECT_EQ(error("[for x in items: nope]"), "Unknown variable@1:18");  // once, not per element
}

TEST(EvalDiagnostics, RangesOnLaterLines) {
  Evaluation r = run("[\n  1,\n  nope,\n]");
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].subject.start.line, 3u);
  EXPECT_EQ(r.diags[0].subject.start.column, 3u);
  EXPECT_EQ(r.diags[0].subject.end.column, 7u);
  EXPECT_EQ(r.diags[0].subject.file->name(), "test.hcl");
}

// On a 64 MB stack, as the parser's deep nesting tests: an optimised
// sanitizer build needs about 4 KB of stack a level just to parse.
TEST(EvalDepth, DeepNestingEvaluates) {
  testpaths::on_stack_of(64 << 20, [] {
    const int depth = 2000;
    std::string tuples = std::string(depth, '[') + "1" + std::string(depth, ']');
    Value v = ok(tuples);
    for (int i = 0; i < depth; ++i) {
      ASSERT_EQ(v.type(), Type::Tuple);
      v = v.as_tuple()[0];
    }
    EXPECT_EQ(v, Value(1));

    std::string parens = std::string(depth, '(') + "count" + std::string(depth, ')');
    EXPECT_EQ(ok(parens), Value(3));

    std::string sum = "0";
    for (int i = 0; i < depth; ++i) sum += " + 1";
    EXPECT_EQ(ok(sum), Value(depth));

    std::string negations = std::string(depth, '!') + "true";
    EXPECT_EQ(ok(negations), Value(true));
  });
}

}  // namespace
}  // namespace hcl
