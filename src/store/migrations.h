// Versioned schema migrations, applied in order at open(). Each applied
// version is recorded in schema_migrations(version, name, applied_at); a
// version once released never changes: later changes are new versions.
#pragma once

#include "store/connection.h"

namespace store {

// Brings the database to the newest schema. Holds the backend's schema lock
// throughout, so concurrent callers (two servers starting at once) apply
// each migration exactly once and both return with the schema complete.
Status migrate(Connection& connection);

// The newest schema version this build knows.
int latest_schema_version();

}  // namespace store
