// The blob store of caches and artifacts that the settings name
// (docs/storage.md#where-blobs-live): a directory (the data directory's
// blobs/ by default, or one on shared storage), or an S3-compatible bucket.
// S3 credentials come from the file blobs_s3_credentials names (two lines:
// the access key id, then the secret access key), else from the
// environment's AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; never from a
// flag, which other users of the machine could read in the process list.
// Thread-safety: plain functions.
#pragma once

#include <memory>
#include <string>

#include "blobs/store.h"
#include "server/settings.h"

namespace server {

// Throws std::runtime_error saying what is wrong (a directory that cannot be
// made, missing credentials, a malformed endpoint); a bucket is not
// contacted until it is used.
std::unique_ptr<blobs::Store> open_blob_store(const Settings& settings, Environment environment);

// For the start-up notes: "directory factory-data/blobs", "bucket ci at https://…".
std::string describe_blob_store(const Settings& settings);

}  // namespace server
