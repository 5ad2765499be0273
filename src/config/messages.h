// Small helpers shared by the checks that report configuration errors.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "hcl/diagnostics.h"
#include "hcl/value.h"

namespace config {

// "build.hcl:3:10": where an origin starts, for messages that point at a
// second place (the first definition of a duplicate, say).
std::string place(const Origin& origin);

// The candidate closest to `name` by edit distance when it is close enough
// to be a likely typo; empty otherwise.
std::string closest(std::string_view name, const std::vector<std::string>& candidates);

// " Did you mean \"x\"?" when a close candidate exists, else "".
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

// "a, b and c", for listing what is allowed.
std::string join_names(const std::vector<std::string>& names);

// "the string \"x\"", "the number 3", "true", "a value of type tuple": what
// a value is, for "It is ..." in messages.
std::string describe(const hcl::Value& v);

void report(hcl::Diagnostics& diags, const Origin& origin, std::string summary, std::string detail);

}  // namespace config
