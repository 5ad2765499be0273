#include "hcl/functions.h"

#include <gtest/gtest.h>

#include "test_paths.h"

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace hcl {
namespace {

Value call(std::string_view name, std::vector<Value> args) {
  const Function* f = standard_functions().find(name);
  if (!f) throw std::logic_error("no function " + std::string(name));
  return f->call(args);
}

struct Failure {
  int arg = -2;
  std::string message;
};

Failure failure(std::string_view name, std::vector<Value> args) {
  try {
    call(name, std::move(args));
  } catch (const FunctionError& e) {
    return {e.arg_index(), e.what()};
  }
  return {};
}

Value list(std::initializer_list<Value> items) { return Tuple(items); }

TEST(FunctionTable, FindsAndSuggests) {
  const FunctionTable& t = standard_functions();
  EXPECT_GE(t.all().size(), 60u);
  ASSERT_NE(t.find("upper"), nullptr);
  EXPECT_EQ(t.find("upper")->signature, "upper(str)");
  EXPECT_EQ(t.find("uper"), nullptr);
  EXPECT_EQ(t.suggest("uper"), "upper");
  EXPECT_EQ(t.suggest("jion"), "join");
  EXPECT_EQ(t.suggest("formatlst"), "formatlist");
  EXPECT_EQ(t.suggest("zzzzzzzz"), "");
  EXPECT_EQ(t.find("file"), nullptr);  // no filesystem access from configurations
}

TEST(FunctionTable, EveryFunctionIsDocumented) {
  std::ifstream in(testpaths::source_dir() / "docs" / "hcl-functions.md");
  ASSERT_TRUE(in) << "docs/hcl-functions.md";
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const Function& f : standard_functions().all())
    EXPECT_NE(doc.find("| `" + std::string(f.signature) + "` |"), std::string::npos) << f.signature;
}

TEST(FunctionTable, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
  EXPECT_EQ(edit_distance("jion", "join"), 1u);
  EXPECT_EQ(closest_name("ab", std::vector<std::string_view>{"xy"}), "");
  EXPECT_EQ(closest_name("lenght", std::vector<std::string_view>{"length", "lower"}), "length");
}

TEST(StringFunctions, Case) {
  EXPECT_EQ(call("upper", {"hello é ß"}), Value("HELLO É ß"));
  EXPECT_EQ(call("lower", {"HÉLLO Σ"}), Value("héllo σ"));
  EXPECT_EQ(call("upper", {""}), Value(""));
  EXPECT_EQ(call("upper", {42}), Value("42"));  // numbers convert to strings
  EXPECT_EQ(call("title", {"hello wörld o'neil snake_case"}), Value("Hello Wörld O'Neil Snake_case"));
  EXPECT_EQ(call("title", {"élan vital"}), Value("Élan Vital"));
}

TEST(StringFunctions, Trimming) {
  EXPECT_EQ(call("trimspace", {" \t\n hi there \u00a0\r\n"}), Value("hi there"));
  EXPECT_EQ(call("trimspace", {"   "}), Value(""));
  EXPECT_EQ(call("trim", {"?!hello?!", "!?"}), Value("hello"));
  EXPECT_EQ(call("trim", {"ééaéé", "é"}), Value("a"));
  EXPECT_EQ(call("trimprefix", {"helloworld", "hello"}), Value("world"));
  EXPECT_EQ(call("trimprefix", {"hellohello", "hello"}), Value("hello"));  // once only
  EXPECT_EQ(call("trimprefix", {"world", "hello"}), Value("world"));
  EXPECT_EQ(call("trimsuffix", {"helloworld", "world"}), Value("hello"));
  EXPECT_EQ(call("chomp", {"hello\r\n\n\r"}), Value("hello"));
  EXPECT_EQ(call("chomp", {"a\nb"}), Value("a\nb"));
}

TEST(StringFunctions, JoinAndSplit) {
  EXPECT_EQ(call("join", {", ", list({"a", "b", "c"})}), Value("a, b, c"));
  EXPECT_EQ(call("join", {"-", list({"a"}), list({1, true})}), Value("a-1-true"));
  EXPECT_EQ(call("join", {",", list({})}), Value(""));
  Failure f = failure("join", {",", list({"a", Value()})});
  EXPECT_EQ(f.arg, 1);
  EXPECT_EQ(f.message, "Invalid value for \"lists\" parameter: element 1 is null.");
  f = failure("join", {list({}), list({"a"})});
  EXPECT_EQ(f.arg, 0);
  EXPECT_EQ(f.message, "Invalid value for \"separator\" parameter: string required.");
  EXPECT_EQ(failure("join", {","}).arg, -1);
  EXPECT_EQ(call("split", {",", "a,b,,c"}), list({"a", "b", "", "c"}));
  EXPECT_EQ(call("split", {",", ""}), list({""}));
  EXPECT_EQ(call("split", {"", "aé"}), list({"a", "é"}));
  EXPECT_EQ(call("split", {"::", "a::b"}), list({"a", "b"}));
}

TEST(StringFunctions, Replace) {
  EXPECT_EQ(call("replace", {"1 + 2 + 3", "+", "-"}), Value("1 - 2 - 3"));
  EXPECT_EQ(call("replace", {"aaa", "aa", "b"}), Value("ba"));
  EXPECT_EQ(call("replace", {"ab", "", "-"}), Value("-a-b-"));
  EXPECT_EQ(call("replace", {"", "x", "y"}), Value(""));
}

TEST(StringFunctions, Substr) {
  EXPECT_EQ(call("substr", {"hello world", 1, 4}), Value("ello"));
  EXPECT_EQ(call("substr", {"héllo", 1, 3}), Value("éll"));
  EXPECT_EQ(call("substr", {"日本語テキスト", -3, -1}), Value("キスト"));
  EXPECT_EQ(call("substr", {"hello", -3, 2}), Value("ll"));
  EXPECT_EQ(call("substr", {"hello", -10, 2}), Value("he"));
  EXPECT_EQ(call("substr", {"hello", 10, 2}), Value(""));
  EXPECT_EQ(call("substr", {"hello", 2, 100}), Value("llo"));
  EXPECT_EQ(call("substr", {"hello", 0, 0}), Value(""));
  EXPECT_EQ(call("substr", {"", 0, 1}), Value(""));
  Failure f = failure("substr", {"hello", 1.5, 1});
  EXPECT_EQ(f.arg, 1);
  EXPECT_EQ(f.message, "Invalid value for \"offset\" parameter: a whole number is required.");
}

TEST(StringFunctions, Misc) {
  EXPECT_EQ(call("strrev", {"héllo"}), Value("olléh"));
  EXPECT_EQ(call("strrev", {""}), Value(""));
  EXPECT_EQ(call("indent", {2, "a\nb\n"}), Value("a\n  b\n  "));
  EXPECT_EQ(failure("indent", {-1, "a"}).arg, 0);
  EXPECT_EQ(call("startswith", {"hello", "he"}), Value(true));
  EXPECT_EQ(call("startswith", {"hello", "lo"}), Value(false));
  EXPECT_EQ(call("endswith", {"hello", "lo"}), Value(true));
  EXPECT_EQ(call("endswith", {"hello", ""}), Value(true));
  EXPECT_EQ(call("strcontains", {"hello", "ell"}), Value(true));
  EXPECT_EQ(call("strcontains", {"hello", "x"}), Value(false));
}

TEST(StringFunctions, NullArgumentsAreErrors) {
  Failure f = failure("upper", {Value()});
  EXPECT_EQ(f.arg, 0);
  EXPECT_EQ(f.message, "Invalid value for \"str\" parameter: argument must not be null.");
  EXPECT_EQ(failure("upper", {list({})}).message, "Invalid value for \"str\" parameter: string required.");
}

TEST(Format, Verbs) {
  EXPECT_EQ(call("format", {"Hello, %s!", "Ander"}), Value("Hello, Ander!"));
  EXPECT_EQ(call("format", {"%d items", 12}), Value("12 items"));
  EXPECT_EQ(call("format", {"%d", "12"}), Value("12"));
  EXPECT_EQ(call("format", {"%.2f", 3.14159}), Value("3.14"));
  EXPECT_EQ(call("format", {"%f", 1}), Value("1.000000"));
  EXPECT_EQ(call("format", {"%q", "a\"b\n"}), Value("\"a\\\"b\\n\""));
  EXPECT_EQ(call("format", {"%v %v %v", 1.5, true, list({1, "a"})}), Value("1.5 true [1,\"a\"]"));
  EXPECT_EQ(call("format", {"%#v", "x"}), Value("\"x\""));
  EXPECT_EQ(call("format", {"100%%"}), Value("100%"));
  EXPECT_EQ(call("format", {"%t", true}), Value("true"));
  EXPECT_EQ(call("format", {"%x %X %o %b", 255, 255, 8, 5}), Value("ff FF 10 101"));
  EXPECT_EQ(call("format", {"%e", 1234.5678}), Value("1.234568e+03"));
  EXPECT_EQ(call("format", {"%g", 1234.5678}), Value("1234.5678"));
  EXPECT_EQ(call("format", {"%d", 9007199254740993}), Value("9007199254740993"));
}

TEST(Format, WidthsFlagsAndIndexes) {
  EXPECT_EQ(call("format", {"[%5d]", 42}), Value("[   42]"));
  EXPECT_EQ(call("format", {"[%-5d]", 42}), Value("[42   ]"));
  EXPECT_EQ(call("format", {"[%05d]", -42}), Value("[-0042]"));
  EXPECT_EQ(call("format", {"[%+d]", 5}), Value("[+5]"));
  EXPECT_EQ(call("format", {"[%6s]", "é"}), Value("[     é]"));
  EXPECT_EQ(call("format", {"[%.2s]", "héllo"}), Value("[hé]"));
  EXPECT_EQ(call("format", {"[%8.3f]", 3.14159}), Value("[   3.142]"));
  EXPECT_EQ(call("format", {"%[2]s %[1]s", "a", "b"}), Value("b a"));
}

TEST(Format, Errors) {
  Failure f = failure("format", {"%d", "x"});
  EXPECT_EQ(f.arg, 1);
  EXPECT_EQ(f.message, "Invalid value for \"args\" parameter: unsupported value for \"%d\" at 0: number required.");
  EXPECT_EQ(failure("format", {"%d", 1.5}).message,
            "Invalid value for \"args\" parameter: unsupported value for \"%d\" at 0: an integer is required.");
  f = failure("format", {"%s %s", "a"});
  EXPECT_EQ(f.arg, -1);
  EXPECT_EQ(f.message, "not enough arguments for \"%s\" at 3: need index 1 but have 1 total");
  EXPECT_EQ(failure("format", {"x", 1}).message, "too many arguments; no verbs in format string");
  EXPECT_EQ(failure("format", {"%s", "a", "b"}).message, "too many arguments; only 1 used by format string");
  EXPECT_EQ(failure("format", {"%y", 1}).arg, 0);
  EXPECT_EQ(failure("format", {"%", 1}).arg, 0);
  EXPECT_EQ(failure("format", {"%s", Value()}).arg, 1);
}

TEST(Format, FormatList) {
  EXPECT_EQ(call("formatlist", {"Hello, %s!", list({"Valentina", "Ander"})}),
            list({"Hello, Valentina!", "Hello, Ander!"}));
  EXPECT_EQ(call("formatlist", {"%s=%s", list({"a", "b"}), "x"}), list({"a=x", "b=x"}));
  EXPECT_EQ(call("formatlist", {"%s", "only"}), list({"only"}));
  EXPECT_EQ(call("formatlist", {"%s", list({})}), list({}));
  Failure f = failure("formatlist", {"%s%s", list({"a"}), list({"a", "b"})});
  EXPECT_EQ(f.arg, 2);
  EXPECT_NE(f.message.find("inconsistent with argument 1 of length 1"), std::string::npos);
}

TEST(CollectionFunctions, LengthConcatMerge) {
  EXPECT_EQ(call("length", {list({1, 2})}), Value(2));
  EXPECT_EQ(call("length", {"héllo"}), Value(5));
  EXPECT_EQ(call("length", {Object{{"a", 1}}}), Value(1));
  EXPECT_EQ(call("length", {""}), Value(0));
  EXPECT_EQ(failure("length", {5}).arg, 0);
  EXPECT_EQ(failure("length", {Value()}).message, "Invalid value for \"value\" parameter: argument must not be null.");
  EXPECT_EQ(call("concat", {list({1}), list({}), list({2, 3})}), list({1, 2, 3}));
  EXPECT_EQ(failure("concat", {list({1}), "x"}).message,
            "Invalid value for \"seqs\" parameter: list required, got string.");
  EXPECT_EQ(failure("concat", {}).arg, -1);
  EXPECT_EQ(call("merge", {Object{{"a", 1}, {"b", 2}}, Value(), Object{{"b", 3}}}),
            Value(Object{{"a", 1}, {"b", 3}}));
  EXPECT_EQ(call("merge", {}), Value(Object{}));
  EXPECT_EQ(failure("merge", {Object{}, list({})}).arg, 1);
}

TEST(CollectionFunctions, KeysValuesLookup) {
  Value m(Object{{"b", 2}, {"a", 1}});
  EXPECT_EQ(call("keys", {m}), list({"a", "b"}));
  EXPECT_EQ(call("values", {m}), list({1, 2}));
  EXPECT_EQ(call("lookup", {m, "a"}), Value(1));
  EXPECT_EQ(call("lookup", {m, "z", "dflt"}), Value("dflt"));
  EXPECT_EQ(failure("lookup", {m, "z"}).arg, -1);
  EXPECT_EQ(failure("keys", {list({})}).arg, 0);
}

TEST(CollectionFunctions, ContainsElementIndexSlice) {
  Value l = list({"a", "b", "c"});
  EXPECT_EQ(call("contains", {l, "b"}), Value(true));
  EXPECT_EQ(call("contains", {l, "z"}), Value(false));
  EXPECT_EQ(call("contains", {list({1, 2}), 2.0}), Value(true));
  EXPECT_EQ(call("element", {l, 1}), Value("b"));
  EXPECT_EQ(call("element", {l, 5}), Value("c"));  // wraps around
  EXPECT_EQ(failure("element", {l, -1}).arg, 1);
  EXPECT_EQ(failure("element", {list({}), 0}).arg, 0);
  EXPECT_EQ(call("index", {l, "c"}), Value(2));
  EXPECT_EQ(failure("index", {l, "z"}).message, "item not found");
  EXPECT_EQ(call("slice", {l, 1, 3}), list({"b", "c"}));
  EXPECT_EQ(call("slice", {l, 1, 1}), list({}));
  EXPECT_EQ(failure("slice", {l, 2, 1}).arg, 1);
  EXPECT_EQ(failure("slice", {l, 0, 4}).arg, 2);
  EXPECT_EQ(failure("slice", {l, -1, 1}).arg, 1);
}

TEST(CollectionFunctions, Range) {
  EXPECT_EQ(call("range", {3}), list({0, 1, 2}));
  EXPECT_EQ(call("range", {0}), list({}));
  EXPECT_EQ(call("range", {-3}), list({0, -1, -2}));
  EXPECT_EQ(call("range", {1, 4}), list({1, 2, 3}));
  EXPECT_EQ(call("range", {4, 1}), list({4, 3, 2}));
  EXPECT_EQ(call("range", {0, 10, 5}), list({0, 5}));
  EXPECT_EQ(call("range", {0, 1, 0.25}), list({0, 0.25, 0.5, 0.75}));
  EXPECT_EQ(call("range", {10, 0, -4}), list({10, 6, 2}));
  EXPECT_EQ(failure("range", {0, 5, 0}).message, "Invalid value for \"params\" parameter: step must not be zero.");
  EXPECT_EQ(failure("range", {0, 5, -1}).arg, 1);
  EXPECT_EQ(failure("range", {0, 2000}).arg, -1);
}

TEST(CollectionFunctions, CoalesceCompactDistinctFlatten) {
  EXPECT_EQ(call("coalesce", {Value(), "", "b", "c"}), Value("b"));
  EXPECT_EQ(call("coalesce", {Value(), 0}), Value(0));
  EXPECT_EQ(failure("coalesce", {Value(), ""}).message, "no non-null, non-empty-string arguments");
  EXPECT_EQ(call("coalescelist", {list({}), list({1})}), list({1}));
  EXPECT_EQ(failure("coalescelist", {list({})}).arg, -1);
  EXPECT_EQ(call("compact", {list({"a", "", Value(), "b"})}), list({"a", "b"}));
  EXPECT_EQ(call("distinct", {list({1, "1", 1.0, "a", "a"})}), list({1, "1", "a"}));
  EXPECT_EQ(call("flatten", {list({1, list({2, list({3})}), list({})})}), list({1, 2, 3}));
  EXPECT_EQ(call("flatten", {list({})}), list({}));
  EXPECT_EQ(call("reverse", {list({1, 2, 3})}), list({3, 2, 1}));
}

TEST(CollectionFunctions, SortZipmapOneChunk) {
  EXPECT_EQ(call("sort", {list({"b", "a", "C"})}), list({"C", "a", "b"}));
  EXPECT_EQ(call("sort", {list({3, 10, 1})}), list({"1", "10", "3"}));  // lexical, as HCL
  EXPECT_EQ(failure("sort", {list({"a", Value()})}).arg, 0);
  EXPECT_EQ(call("zipmap", {list({"a", "b"}), list({1, 2})}), Value(Object{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(failure("zipmap", {list({"a"}), list({1, 2})}).message,
            "number of keys (1) does not match number of values (2)");
  EXPECT_EQ(call("one", {list({})}), Value());
  EXPECT_EQ(call("one", {list({"x"})}), Value("x"));
  EXPECT_EQ(failure("one", {list({1, 2})}).arg, 0);
  EXPECT_EQ(call("chunklist", {list({1, 2, 3}), 2}), list({list({1, 2}), list({3})}));
  EXPECT_EQ(call("chunklist", {list({1, 2}), 0}), list({list({1, 2})}));
  EXPECT_EQ(call("alltrue", {list({true, "true"})}), Value(true));
  EXPECT_EQ(call("alltrue", {list({})}), Value(true));
  EXPECT_EQ(call("alltrue", {list({true, false})}), Value(false));
  EXPECT_EQ(call("anytrue", {list({false, true})}), Value(true));
  EXPECT_EQ(call("anytrue", {list({})}), Value(false));
  EXPECT_EQ(failure("anytrue", {list({1})}).arg, 0);
}

TEST(SetFunctions, UnionIntersectionSubtract) {
  EXPECT_EQ(call("setunion", {list({"a", "b"}), list({"b", "c"})}), list({"a", "b", "c"}));
  EXPECT_EQ(call("setintersection", {list({"a", "b", "c"}), list({"b", "c"}), list({"c", "b"})}),
            list({"b", "c"}));
  EXPECT_EQ(call("setsubtract", {list({"a", "b", "a"}), list({"b"})}), list({"a"}));
}

TEST(SetFunctions, Product) {
  EXPECT_EQ(call("setproduct", {list({"a", "b"}), list({1, 2})}),
            list({list({"a", 1}), list({"a", 2}), list({"b", 1}), list({"b", 2})}));
  EXPECT_EQ(call("setproduct", {list({"a"}), list({})}), list({}));
  EXPECT_EQ(failure("setproduct", {list({1})}).arg, -1);
  Tuple many(1000, Value(1));
  EXPECT_EQ(failure("setproduct", {many, many}).message, "the product would have more than 100000 elements");
}

TEST(RegexFunctions, Regex) {
  EXPECT_EQ(call("regex", {"[a-z]+", "53453453.345345aaabbbccc23454"}), Value("aaabbbccc"));
  EXPECT_EQ(call("regex", {"(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)", "2019-02-01"}), list({"2019", "02", "01"}));
  EXPECT_EQ(call("regex", {"^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://example.com/x"}),
            Value(Object{{"scheme", "https"}, {"authority", "example.com"}}));
  EXPECT_EQ(call("regex", {"a(b)?", "a"}), list({Value()}));  // a group that took no part is null
  EXPECT_EQ(call("regex", {"(?i)^RELEASE/", "release/1.0"}), Value("release/"));
  EXPECT_EQ(call("regex", {"\\Av[0-9]\\z", "v1"}), Value("v1"));
  EXPECT_EQ(call("regex", {"[]a]+", "x]a]"}), Value("]a]"));
  EXPECT_EQ(failure("regex", {"^release/", "main"}).message, "pattern did not match any part of the given string");
  EXPECT_EQ(failure("regex", {"(", "x"}).arg, 0);
  EXPECT_EQ(failure("regex", {"(?P<a>x)(y)", "xy"}).message,
            "Invalid value for \"pattern\" parameter: invalid regular expression: named and unnamed capture groups "
            "cannot be mixed.");
  // RE2 syntax, as Go's regexp reads it: flags, classes, Go's (?<name>).
  EXPECT_EQ(call("regex", {"(?s)a.b", "a\nb"}), Value("a\nb"));
  EXPECT_EQ(failure("regex", {"a.b", "a\nb"}).arg, -1);
  EXPECT_EQ(call("regex", {"(?m)^b$", "a\nb\nc"}), Value("b"));
  EXPECT_EQ(call("regex", {"[[:digit:]]+\\pL", "x12y"}), Value("12y"));
  EXPECT_EQ(call("regex", {"(?<major>\\d+)\\.(?P<minor>\\d+)", "v1.22"}),
            Value(Object{{"major", "1"}, {"minor", "22"}}));
}

TEST(RegexFunctions, RefusesWhatRe2DoesNotHave) {
  EXPECT_EQ(failure("regex", {"(a)\\1", "aa"}).arg, 0);  // backreferences
  EXPECT_EQ(failure("regex", {"a(?=b)", "ab"}).arg, 0);    // lookahead
  EXPECT_EQ(failure("regex", {"(?<!x)y", "y"}).arg, 0);    // lookbehind
  Failure big = failure("regex", {"(?:\\pL{1000}){1000}", "x"});
  EXPECT_EQ(big.arg, 0);
  EXPECT_NE(big.message.find("invalid regular expression"), std::string::npos) << big.message;
}

TEST(RegexFunctions, LinearTime) {
  // Exponential for a backtracking engine; RE2 answers at once.
  const std::string as(100000, 'a');
  EXPECT_EQ(failure("regex", {"^(a+)+$", as + "b"}).message, "pattern did not match any part of the given string");
  EXPECT_EQ(call("regex", {"^.*$", as}), Value(as));
  EXPECT_EQ(call("regexall", {"a", as}).length(), 100000u);
}

TEST(RegexFunctions, Regexall) {
  EXPECT_EQ(call("regexall", {"[a-z]+", "1234abcd5678efgh9"}), list({"abcd", "efgh"}));
  EXPECT_EQ(call("regexall", {"-rc[0-9]+$", "v1.2.0-rc3"}), list({"-rc3"}));
  EXPECT_EQ(call("regexall", {"-rc[0-9]+$", "v1.2.0"}), list({}));
  EXPECT_EQ(call("regexall", {"(\\w)=(\\d)", "a=1 b=2"}), list({list({"a", "1"}), list({"b", "2"})}));
  // Empty matches as Go's FindAll gives them: none right after a match.
  EXPECT_EQ(call("regexall", {"a*", "baaac"}), list({"", "aaa", ""}));
  EXPECT_EQ(call("regexall", {"", "héj"}), list({"", "", "", ""}));
  EXPECT_EQ(call("regexall", {"^a", "aaa"}), list({"a"}));  // ^ holds only at the start of the text
  EXPECT_EQ(call("regexall", {"\\bx", "x xx"}), list({"x", "x"}));
}

TEST(RegexFunctions, ReplaceWithAPattern) {
  EXPECT_EQ(call("replace", {"a1b22", "/[0-9]+/", "#"}), Value("a#b#"));
  EXPECT_EQ(call("replace", {"2019-02-01", "/(\\d+)-(\\d+)-(\\d+)/", "$3.$2.${1}"}), Value("01.02.2019"));
  EXPECT_EQ(call("replace", {"k=v", "/(?P<key>\\w+)=(?P<value>\\w+)/", "${value}=$key"}), Value("v=k"));
  EXPECT_EQ(call("replace", {"ab", "/(a)/", "$1x|$$|$"}), Value("|$|$b"));  // $1x names group "1x": none
  EXPECT_EQ(call("replace", {"abc", "/x*/", "-"}), Value("-a-b-c-"));
  EXPECT_EQ(call("replace", {"a/b", "/", "-"}), Value("a-b"));  // a lone slash is plain text
  EXPECT_EQ(failure("replace", {"x", "/(/", "y"}).arg, 1);
}

TEST(NumericFunctions, MinMaxAbs) {
  EXPECT_EQ(call("min", {12, 54, 3}), Value(3));
  EXPECT_EQ(call("max", {12, 54, 3}), Value(54));
  EXPECT_EQ(call("max", {-1.5, "-2"}), Value(-1.5));
  EXPECT_EQ(failure("min", {}).arg, -1);
  EXPECT_EQ(failure("max", {1, "x"}).message, "Invalid value for \"numbers\" parameter: number required.");
  EXPECT_EQ(call("abs", {-12.4}), Value(12.4));
  EXPECT_EQ(call("abs", {0}), Value(0));
  EXPECT_EQ(call("abs", {-9007199254740993}), Value(9007199254740993));
}

TEST(NumericFunctions, RoundingAndPowers) {
  EXPECT_EQ(call("ceil", {5.1}), Value(6));
  EXPECT_EQ(call("ceil", {-5.1}), Value(-5));
  EXPECT_EQ(call("floor", {4.9}), Value(4));
  EXPECT_EQ(call("floor", {-4.1}), Value(-5));
  EXPECT_EQ(call("floor", {9007199254740993}), Value(9007199254740993));
  EXPECT_EQ(call("pow", {3, 2}), Value(9));
  EXPECT_EQ(call("pow", {4, 0}), Value(1));
  EXPECT_EQ(call("pow", {2, 62}), Value(int64_t{1} << 62));
  EXPECT_EQ(call("pow", {4, 0.5}), Value(2));
  EXPECT_EQ(call("pow", {2, -1}), Value(0.5));
  EXPECT_EQ(call("signum", {-13}), Value(-1));
  EXPECT_EQ(call("signum", {0}), Value(0));
  EXPECT_EQ(call("signum", {0.5}), Value(1));
  EXPECT_EQ(call("log", {8, 2}), Value(3));
  EXPECT_EQ(call("sum", {list({1, 2, 3.5})}), Value(6.5));
  EXPECT_EQ(failure("sum", {list({})}).arg, 0);
}

TEST(NumericFunctions, Parseint) {
  EXPECT_EQ(call("parseint", {"100", 10}), Value(100));
  EXPECT_EQ(call("parseint", {"FF", 16}), Value(255));
  EXPECT_EQ(call("parseint", {"-ff", 16}), Value(-255));
  EXPECT_EQ(call("parseint", {"1010", 2}), Value(10));
  EXPECT_EQ(call("parseint", {"zA", 62}), Value(35 * 62 + 36));
  EXPECT_EQ(call("parseint", {"9007199254740993", 10}), Value(9007199254740993));
  EXPECT_EQ(failure("parseint", {"12", 2}).message,
            "Invalid value for \"number\" parameter: cannot parse \"12\" as a base 2 integer.");
  EXPECT_EQ(failure("parseint", {"", 10}).arg, 0);
  EXPECT_EQ(failure("parseint", {"1", 63}).arg, 1);
}

TEST(EncodingFunctions, Json) {
  Value v(Object{{"a", list({1, 2.5, true, Value()})}, {"b", "<x>"}});
  EXPECT_EQ(call("jsonencode", {v}), Value(R"({"a":[1,2.5,true,null],"b":"\u003cx\u003e"})"));
  EXPECT_EQ(call("jsondecode", {R"({"a":[1,2.5,true,null],"b":"<x>"})"}), v);
  EXPECT_EQ(call("jsondecode", {"9007199254740993"}), Value(9007199254740993));
  EXPECT_EQ(call("jsondecode", {"\"é\""}), Value("é"));
  EXPECT_EQ(failure("jsondecode", {"{x"}).arg, 0);
  EXPECT_EQ(failure("jsondecode", {std::string(2000, '[') + std::string(2000, ']')}).arg, 0);
}

TEST(EncodingFunctions, Base64AndUrl) {
  EXPECT_EQ(call("base64encode", {"Hello World"}), Value("SGVsbG8gV29ybGQ="));
  EXPECT_EQ(call("base64encode", {""}), Value(""));
  EXPECT_EQ(call("base64encode", {"ab"}), Value("YWI="));
  EXPECT_EQ(call("base64decode", {"SGVsbG8gV29ybGQ="}), Value("Hello World"));
  EXPECT_EQ(call("base64decode", {"w6k="}), Value("é"));
  EXPECT_EQ(failure("base64decode", {"SGV*"}).arg, 0);
  EXPECT_EQ(failure("base64decode", {"abc"}).arg, 0);
  EXPECT_EQ(failure("base64decode", {"/w=="}).message,  // the byte 0xFF
            "Invalid value for \"str\" parameter: the result of decoding the provided string is not valid UTF-8.");
  EXPECT_EQ(call("urlencode", {"Hello World?é"}), Value("Hello+World%3F%C3%A9"));
}

TEST(ConversionFunctions, Primitives) {
  EXPECT_EQ(call("tostring", {1.5}), Value("1.5"));
  EXPECT_EQ(call("tostring", {true}), Value("true"));
  EXPECT_EQ(call("tostring", {Value()}), Value());
  EXPECT_EQ(failure("tostring", {list({})}).message, "Invalid value for \"v\" parameter: cannot convert tuple to string.");
  EXPECT_EQ(call("tonumber", {"-12.5"}), Value(-12.5));
  EXPECT_EQ(failure("tonumber", {"x"}).message, "Invalid value for \"v\" parameter: cannot convert \"x\" to number.");
  EXPECT_EQ(call("tobool", {"false"}), Value(false));
  EXPECT_EQ(failure("tobool", {"yes"}).arg, 0);
  EXPECT_EQ(failure("tobool", {1}).arg, 0);
}

TEST(ConversionFunctions, Collections) {
  EXPECT_EQ(call("tolist", {list({1, "a", true})}), list({"1", "a", "true"}));
  EXPECT_EQ(call("tolist", {list({1, 2})}), list({1, 2}));
  EXPECT_EQ(failure("tolist", {list({1, true})}).arg, 0);
  EXPECT_EQ(failure("tolist", {list({"a", list({})})}).arg, 0);
  EXPECT_EQ(failure("tolist", {"x"}).arg, 0);
  EXPECT_EQ(call("toset", {list({"a", "b", "a", 1, "1"})}), list({"a", "b", "1"}));
  EXPECT_EQ(call("tomap", {Object{{"a", 1}, {"b", "x"}}}), Value(Object{{"a", "1"}, {"b", "x"}}));
  EXPECT_EQ(failure("tomap", {list({})}).arg, 0);
}

}  // namespace
}  // namespace hcl
