// The caches' and artifacts' calls of the agent protocol (protocol/blobs.h):
// every body survives the round trip, requests refuse fields they do not
// know, and the routes are where the server registers them.
#include "protocol/blobs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/protocol.h"

namespace {

using nlohmann::json;

const std::string kDigest(64, 'a');

template <class T, class Read>
T round_trip(const T& value, Read from_json) {
  return from_json(json::parse(protocol::to_json(value).dump()));
}

TEST(BlobProtocolTest, EveryBodySurvivesTheRoundTrip) {
  EXPECT_EQ(round_trip(protocol::BlobUploadRequest{1ull << 40}, protocol::blob_upload_request_from_json).size,
            1ull << 40);
  const protocol::BlobUploadState state{8 << 20, 20 << 20, false};
  EXPECT_EQ(round_trip(state, protocol::blob_upload_state_from_json), state);
  const protocol::CacheLookup lookup{"npm", "npm-ünï-1", {"npm-", "node-"}};
  EXPECT_EQ(round_trip(lookup, protocol::cache_lookup_from_json), lookup);
  const protocol::CacheLookupAnswer hit{true, "npm-1", kDigest, 1234, true};
  EXPECT_EQ(round_trip(hit, protocol::cache_lookup_answer_from_json), hit);
  EXPECT_EQ(round_trip(protocol::CacheLookupAnswer{}, protocol::cache_lookup_answer_from_json),
            protocol::CacheLookupAnswer{});
  const protocol::CacheCommitRequest commit{"npm", "npm-1", kDigest, 99};
  EXPECT_EQ(round_trip(commit, protocol::cache_commit_request_from_json), commit);
  const protocol::CacheCommitAnswer committed{false, "pr:feature"};
  EXPECT_EQ(round_trip(committed, protocol::cache_commit_answer_from_json), committed);
  const protocol::ArtifactRegistration artifact{"0190a0a0-0000-7000-8000-000000000001", "dist/app.tar", kDigest, 5};
  EXPECT_EQ(round_trip(artifact, protocol::artifact_registration_from_json), artifact);
  const protocol::ArtifactAnswer answer{"0190a0a0-0000-7000-8000-000000000002", 1'700'000'000'000};
  EXPECT_EQ(round_trip(answer, protocol::artifact_answer_from_json), answer);
}

TEST(BlobProtocolTest, RequestsRefuseUnknownMissingAndNegativeFields) {
  auto malformed = [](auto from_json, const json& body) -> std::string {
    try {
      from_json(body);
    } catch (const protocol::Malformed& error) {
      return error.what();
    }
    return "accepted";
  };
  EXPECT_EQ(malformed(protocol::cache_lookup_from_json, json{{"key", "k"}, {"scope", "main"}}),
            "lookup.scope is not a field of this message");
  EXPECT_EQ(malformed(protocol::cache_commit_request_from_json, json{{"key", "k"}, {"digest", kDigest}, {"sise", 1}}),
            "cache_commit.sise is not a field of this message");
  EXPECT_EQ(malformed(protocol::cache_commit_request_from_json, json{{"key", "k"}, {"size", 1}}),
            "cache_commit.digest is missing");
  EXPECT_EQ(malformed(protocol::blob_upload_request_from_json, json{{"size", -1}}), "upload.size is below 0");
  EXPECT_EQ(malformed(protocol::artifact_registration_from_json, json{{"path", "a"}, {"digest", kDigest}}),
            "artifact.execution is missing");
  EXPECT_EQ(malformed(protocol::cache_lookup_from_json, json{{"key", 3}}), "lookup.key is not a string");
  // Answers may grow: an older agent reads what it knows.
  EXPECT_NO_THROW(protocol::blob_upload_state_from_json(json{{"offset", 1}, {"size", 2}, {"later", true}}));
}

TEST(BlobProtocolTest, RoutesAreUnderTheWorkflow) {
  EXPECT_EQ(protocol::blob_path("w1", kDigest, protocol::BlobCall::Upload),
            "/api/v1/agent/workflows/w1/blobs/" + kDigest + "/upload");
  EXPECT_EQ(protocol::blob_path("w1", kDigest, protocol::BlobCall::Download), "/api/v1/agent/workflows/w1/blobs/" + kDigest);
  EXPECT_EQ(protocol::append_path("w1", kDigest, 8, 20),
            "/api/v1/agent/workflows/w1/blobs/" + kDigest + "/append?offset=8&size=20");
  EXPECT_EQ(protocol::blob_route_pattern(protocol::BlobCall::Commit), "/api/v1/agent/workflows/{id}/blobs/{digest}/commit");
  EXPECT_EQ(protocol::cache_route_pattern(protocol::CacheCall::Lookup), "/api/v1/agent/workflows/{id}/cache/lookup");
  EXPECT_EQ(protocol::cache_path("w1", protocol::CacheCall::Artifacts), "/api/v1/agent/workflows/w1/artifacts");
}

}  // namespace
