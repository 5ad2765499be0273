#include "server/blob_store.h"

#include <fstream>
#include <stdexcept>

#include "blobs/directory_store.h"
#include "blobs/s3_store.h"
#include "protocol/blobs.h"

namespace server {

namespace {

std::string trimmed(std::string line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  return line;
}

// The access key id and the secret, from the file or the environment.
std::pair<std::string, std::string> s3_credentials(const Settings& settings, Environment environment) {
  if (!settings.blobs_s3_credentials.empty()) {
    std::ifstream file{settings.blobs_s3_credentials};
    if (!file) throw std::runtime_error("cannot read blobs_s3_credentials " + settings.blobs_s3_credentials.string());
    std::string id, secret;
    std::getline(file, id);
    std::getline(file, secret);
    id = trimmed(std::move(id));
    secret = trimmed(std::move(secret));
    if (id.empty() || secret.empty())
      throw std::runtime_error(settings.blobs_s3_credentials.string() +
                               ": expected two lines, the access key id and then the secret access key");
    return {std::move(id), std::move(secret)};
  }
  auto id = environment("AWS_ACCESS_KEY_ID");
  auto secret = environment("AWS_SECRET_ACCESS_KEY");
  if (!id || !secret)
    throw std::runtime_error("blobs in a bucket need credentials: set blobs_s3_credentials to a file holding the "
                             "access key id and the secret access key (two lines), or set AWS_ACCESS_KEY_ID and "
                             "AWS_SECRET_ACCESS_KEY");
  return {std::move(*id), std::move(*secret)};
}

}  // namespace

std::unique_ptr<blobs::Store> open_blob_store(const Settings& settings, Environment environment) {
  if (settings.blobs_s3_endpoint.empty()) {
    auto opened = blobs::DirectoryStore::open(settings.blobs_dir);
    if (!opened) throw std::runtime_error("the blobs directory: " + opened.error().message);
    return std::move(opened).value();
  }
  auto [access_key, secret_key] = s3_credentials(settings, environment);
  auto opened = blobs::S3Store::open({.endpoint = settings.blobs_s3_endpoint,
                                      .bucket = settings.blobs_s3_bucket,
                                      .region = settings.blobs_s3_region,
                                      .access_key = std::move(access_key),
                                      .secret_key = std::move(secret_key),
                                      .prefix = settings.blobs_s3_prefix,
                                      // Every append of the agent protocol but the last is one whole part.
                                      .part_size = protocol::kBlobChunk});
  if (!opened) throw std::runtime_error("the blobs bucket: " + opened.error().message);
  return std::move(opened).value();
}

std::string describe_blob_store(const Settings& settings) {
  if (settings.blobs_s3_endpoint.empty()) return "directory " + settings.blobs_dir.string();
  return "bucket " + settings.blobs_s3_bucket + " at " + settings.blobs_s3_endpoint +
         (settings.blobs_s3_prefix.empty() ? "" : ", keys under " + settings.blobs_s3_prefix);
}

}  // namespace server
