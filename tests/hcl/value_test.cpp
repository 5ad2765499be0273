#include "hcl/value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace hcl {
namespace {

TEST(Number, ParsesLiterals) {
  EXPECT_TRUE(Number::parse("42")->is_integer());
  EXPECT_EQ(Number::parse("42")->as_int(), 42);
  EXPECT_EQ(Number::parse("1.5")->as_double(), 1.5);
  EXPECT_EQ(*Number::parse("1e3"), Number(int64_t{1000}));
  EXPECT_TRUE(Number::parse("1e3")->is_integer());
  EXPECT_EQ(Number::parse("1.5E-2")->as_double(), 0.015);
  EXPECT_EQ(Number::parse("-7")->as_int(), -7);
  EXPECT_EQ(Number::parse("+7")->as_int(), 7);
  EXPECT_EQ(Number::parse("-9223372036854775808")->as_int(), INT64_MIN);
}

TEST(Number, RejectsWhatIsNotANumber) {
  for (const char* text : {"", "-", "abc", "1e", "0x10", ".5", "1.5.2", " 1", "1 ", "inf", "nan"})
    EXPECT_FALSE(Number::parse(text).has_value()) << text;
}

TEST(Number, BigIntegersStayExact) {
  Number n = *Number::parse("9007199254740993");
  ASSERT_TRUE(n.is_integer());
  EXPECT_EQ(n.as_int(), 9007199254740993);
  EXPECT_EQ(n.to_string(), "9007199254740993");
  EXPECT_EQ((n + Number(int64_t{1})).to_string(), "9007199254740994");
  EXPECT_FALSE(n == Number(int64_t{9007199254740992}));
}

TEST(Number, OverflowGivesADouble) {
  Number max(int64_t{INT64_MAX});
  Number sum = max + Number(int64_t{1});
  EXPECT_FALSE(sum.is_integer());
  EXPECT_EQ(sum.as_double(), 9223372036854775808.0);
  EXPECT_FALSE(sum == max);  // 2^63 and 2^63-1 stay apart
  EXPECT_TRUE(max < sum);
  EXPECT_FALSE((max * Number(int64_t{2})).is_integer());
  EXPECT_FALSE((Number(int64_t{INT64_MIN}) - Number(int64_t{10000})).is_integer());
  EXPECT_FALSE((-Number(int64_t{INT64_MIN})).is_integer());
  EXPECT_FALSE(Number::parse("99999999999999999999")->is_integer());
}

TEST(Number, LiteralsBeyondDoubleRange) {
  EXPECT_EQ(Number::parse("1e400")->as_double(), HUGE_VAL);
  EXPECT_EQ(Number::parse("-1e400")->as_double(), -HUGE_VAL);
  EXPECT_EQ(*Number::parse("1e-400"), Number(int64_t{0}));
  EXPECT_EQ(Number::parse("1e400")->to_string(), "+Inf");
}

TEST(Number, IsSmall) { EXPECT_EQ(sizeof(Number), 16u); }  // syntax tree literals hold one

TEST(Number, AsIntTruncatesAndClamps) {
  EXPECT_EQ(Number(2.9).as_int(), 2);
  EXPECT_EQ(Number(-2.9).as_int(), -2);
  EXPECT_EQ(Number(1e300).as_int(), INT64_MAX);
  EXPECT_EQ(Number(-1e300).as_int(), INT64_MIN);
  EXPECT_EQ(Number(std::nan("")).as_int(), 0);
}

TEST(Number, Arithmetic) {
  EXPECT_EQ(Number(int64_t{7}) / Number(int64_t{2}), Number(3.5));
  EXPECT_TRUE((Number(int64_t{8}) / Number(int64_t{2})).is_integer());
  EXPECT_EQ(remainder(Number(int64_t{7}), Number(int64_t{3})), Number(int64_t{1}));
  EXPECT_EQ(remainder(Number(int64_t{-7}), Number(int64_t{3})), Number(int64_t{-1}));  // dividend's sign
  EXPECT_EQ(remainder(Number(5.5), Number(int64_t{2})), Number(1.5));
  EXPECT_EQ(remainder(Number(-5.5), Number(int64_t{2})), Number(-1.5));
  EXPECT_EQ(remainder(Number(int64_t{INT64_MIN}), Number(int64_t{-1})), Number(int64_t{0}));
  EXPECT_EQ((Number(0.1) + Number(0.2)).to_string(), "0.30000000000000004");
  EXPECT_TRUE(Number(2.0).is_integer());
}

TEST(Number, PrintsShortestDecimalWithoutExponent) {
  EXPECT_EQ(Number(int64_t{1000}).to_string(), "1000");
  EXPECT_EQ(Number(-0.0015).to_string(), "-0.0015");
  EXPECT_EQ(Number(0.5).to_string(), "0.5");
  EXPECT_EQ(Number(1e21).to_string(), "1000000000000000000000");
  EXPECT_EQ(Number(1e-7).to_string(), "0.0000001");
  EXPECT_EQ(Number(-0.0).to_string(), "0");
}

TEST(Value, TypesAndNames) {
  EXPECT_EQ(Value().type(), Type::Null);
  EXPECT_EQ(Value(true).type(), Type::Bool);
  EXPECT_EQ(Value(1).type(), Type::Number);
  EXPECT_EQ(Value("x").type(), Type::String);
  EXPECT_EQ(Value(Tuple{}).type(), Type::Tuple);
  EXPECT_EQ(Value(Object{}).type(), Type::Object);
  EXPECT_EQ(type_name(Type::Tuple), "tuple");
  EXPECT_EQ(type_name(Type::Null), "null");
  EXPECT_TRUE(Value(Object{}).is_collection());
  EXPECT_FALSE(Value("x").is_collection());
}

TEST(Value, EqualityIsDeepAndNumeric) {
  EXPECT_EQ(Value(1), Value(1.0));
  EXPECT_NE(Value(1), Value("1"));
  EXPECT_EQ(Value(), Value());
  EXPECT_NE(Value(), Value(false));
  EXPECT_EQ(Value(Tuple{1, "a", Object{{"k", 2}}}), Value(Tuple{1.0, "a", Object{{"k", 2.0}}}));
  EXPECT_NE(Value(Tuple{1, 2}), Value(Tuple{2, 1}));
  EXPECT_NE(Value(Object{{"a", 1}}), Value(Object{{"b", 1}}));
}

TEST(Value, LengthCountsCharacters) {
  EXPECT_EQ(Value("héllo").length(), 5u);
  EXPECT_EQ(Value("日本").length(), 2u);
  EXPECT_EQ(Value("").length(), 0u);
  EXPECT_EQ(Value(Tuple{1, 2, 3}).length(), 3u);
  EXPECT_EQ(Value(Object{{"a", 1}}).length(), 1u);
  EXPECT_EQ(Value(5).length(), 0u);
}

TEST(Value, Get) {
  Value o(Object{{"a", 1}});
  ASSERT_NE(o.get("a"), nullptr);
  EXPECT_EQ(*o.get("a"), Value(1));
  EXPECT_EQ(o.get("b"), nullptr);
  EXPECT_EQ(Value(Tuple{1}).get("a"), nullptr);
}

TEST(Value, AssigningAnElementOfItselfIsSafe) {
  Value v(Tuple{Tuple{Tuple{7}}});
  v = v.as_tuple()[0];
  v = v.as_tuple()[0];
  v = v.as_tuple()[0];
  EXPECT_EQ(v, Value(7));
  Value o(Object{{"k", "text"}});
  o = *o.get("k");
  EXPECT_EQ(o, Value("text"));
}

TEST(Value, ToJson) {
  Value v(Object{{"b", Tuple{1, 2.5, true, Value()}}, {"a", "x\"\n<"}});
  EXPECT_EQ(v.to_json(), R"({"a":"x\"\n<","b":[1,2.5,true,null]})");
  EXPECT_EQ(Value("<a&b>").to_json(true), R"("\u003ca\u0026b\u003e")");
  EXPECT_EQ(Value(std::string("\x01", 1)).to_json(), R"("\u0001")");
  EXPECT_EQ(Value("é").to_json(), "\"é\"");
}

TEST(Value, Prints) {
  std::ostringstream out;
  out << Value(Tuple{1, "a"});
  EXPECT_EQ(out.str(), "[1,\"a\"]");
}

TEST(Conversions, ToString) {
  EXPECT_EQ(to_string_value(Value(true)), "true");
  EXPECT_EQ(to_string_value(Value(1.5)), "1.5");
  EXPECT_EQ(to_string_value(Value("s")), "s");
  EXPECT_FALSE(to_string_value(Value()).has_value());
  EXPECT_FALSE(to_string_value(Value(Tuple{})).has_value());
}

TEST(Conversions, ToNumber) {
  EXPECT_EQ(to_number_value(Value("12")), Number(int64_t{12}));
  EXPECT_EQ(to_number_value(Value("-1.5")), Number(-1.5));
  EXPECT_FALSE(to_number_value(Value("12a")).has_value());
  EXPECT_FALSE(to_number_value(Value(true)).has_value());
  EXPECT_FALSE(to_number_value(Value()).has_value());
}

TEST(Conversions, ToBool) {
  EXPECT_EQ(to_bool_value(Value("true")), true);
  EXPECT_EQ(to_bool_value(Value("false")), false);
  EXPECT_EQ(to_bool_value(Value(false)), false);
  EXPECT_FALSE(to_bool_value(Value("True")).has_value());
  EXPECT_FALSE(to_bool_value(Value(1)).has_value());
}

}  // namespace
}  // namespace hcl
