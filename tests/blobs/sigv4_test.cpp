// Our Signature Version 4 against the worked examples of AWS's S3 API
// reference ("Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk"): the same credentials, date and
// requests must give the signatures printed there.
#include "blobs/sigv4.h"

#include <gtest/gtest.h>

#include "blobs/sha256.h"

namespace {

const blobs::SigV4Credentials kExample{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1"};
const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string kDate = "20130524T000000Z";

TEST(SigV4, GetObjectWithRange) {
  blobs::SigV4Request request{"GET", "/test.txt", {},
                              {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"},
                               {"x-amz-content-sha256", kEmpty}, {"x-amz-date", kDate}},
                              kEmpty};
  EXPECT_EQ(blobs::sigv4_authorization(kExample, request, kDate),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, PutObjectWithPayload) {
  std::string body = "Welcome to Amazon S3.";
  std::string payload = blobs::sha256_hex(body);
  EXPECT_EQ(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  blobs::SigV4Request request{"PUT", "/" + blobs::uri_encode("test$file.text", true), {},
                              {{"Host", "examplebucket.s3.amazonaws.com"}, {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                               {"x-amz-content-sha256", payload}, {"x-amz-date", kDate},
                               {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                              payload};
  EXPECT_EQ(blobs::sigv4_authorization(kExample, request, kDate),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
            "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, ListObjectsWithQuery) {
  blobs::SigV4Request request{"GET", "/", {{"max-keys", "2"}, {"prefix", "J"}},
                              {{"Host", "examplebucket.s3.amazonaws.com"}, {"x-amz-content-sha256", kEmpty},
                               {"x-amz-date", kDate}},
                              kEmpty};
  EXPECT_EQ(blobs::sigv4_authorization(kExample, request, kDate),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
            "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, EncodingAndDates) {
  EXPECT_EQ(blobs::uri_encode("a b/c~d+e", true), "a%20b/c~d%2Be");
  EXPECT_EQ(blobs::uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(blobs::canonical_query({{"uploads", ""}, {"b", "x y"}, {"a", "1"}}), "a=1&b=x%20y&uploads=");
  EXPECT_EQ(blobs::amz_date(std::chrono::system_clock::from_time_t(1369353600)), kDate);
}

}  // namespace
