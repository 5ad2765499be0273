// Query strings, case-insensitive headers and the wire
// form of server-sent events.
#include <gtest/gtest.h>

#include "http/event_stream.h"
#include "http/request.h"
#include "http/response.h"

namespace http {
namespace {

TEST(ParseQuery, SplitsAndDecodesPairsInOrder) {
  const auto query = parse_query("id=a%2Bb&name=x+y&flag&&id=2&empty=");
  ASSERT_TRUE(query);
  const Parameters expected{{"id", "a+b"}, {"name", "x y"}, {"flag", ""}, {"id", "2"}, {"empty", ""}};
  EXPECT_EQ(*query, expected);
  EXPECT_EQ(parse_query("a=%GG"), std::nullopt);
  EXPECT_TRUE(parse_query("")->empty());
}

TEST(Request, QueryAndParamGiveTheFirstValue) {
  Request request;
  request.query_parameters = {{"id", "1"}, {"id", "2"}};
  request.path_parameters = {{"owner", "acme"}};
  EXPECT_EQ(request.query("id"), "1");
  EXPECT_EQ(request.query("ID"), std::nullopt);
  EXPECT_EQ(request.param("owner"), "acme");
  EXPECT_EQ(request.param("id"), std::nullopt);
}

TEST(Headers, NamesCompareCaseInsensitively) {
  Headers headers;
  headers.add("Content-Type", "text/plain");
  headers.add("Set-Cookie", "a=1");
  headers.add("set-cookie", "b=2");
  EXPECT_EQ(headers.get("content-type"), "text/plain");
  EXPECT_EQ(headers.get("CONTENT-TYPE"), "text/plain");
  EXPECT_FALSE(headers.contains("Content-Length"));
  headers.set("SET-COOKIE", "c=3");
  ASSERT_EQ(headers.fields().size(), 2u);
  EXPECT_EQ(headers.get("Set-Cookie"), "c=3");
}

TEST(Response, ErrorHasTheSharedJsonShape) {
  const Response response = Response::error(404, "not_found", "no project \"x\"");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(response.body, R"({"error":{"code":"not_found","message":"no project \"x\""}})");
}

TEST(Response, ErrorSurvivesInvalidUtf8InTheMessage) {
  const Response response = Response::error(400, "bad_request", "bad \xff byte");
  EXPECT_NE(response.body.find("bad \xef\xbf\xbd byte"), std::string::npos);
}

TEST(FormatEvent, WritesFieldsAndOneDataLinePerLine) {
  Event event;
  event.id = "42";
  event.event = "log";
  event.data = "first\nsecond\r\nthird\rfourth";
  event.retry = std::chrono::milliseconds{3000};
  EXPECT_EQ(format_event(event),
            "id: 42\nevent: log\nretry: 3000\ndata: first\ndata: second\ndata: third\ndata: fourth\n\n");
}

TEST(FormatEvent, EmptyDataStillDispatchesAndLineBreaksCannotForgeFields) {
  EXPECT_EQ(format_event({}), "data: \n\n");
  Event event;
  event.id = "1\nevent: forged";
  EXPECT_EQ(format_event(event), "id: 1event: forged\ndata: \n\n");
}

}  // namespace
}  // namespace http
