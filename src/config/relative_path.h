// The paths and glob patterns a configuration names inside a directory (a
// workspace, a home, the checked-out commit) stay inside it: they are
// relative and never climb out with "..". Archives refuse the same paths
// (blobs::pack), so a configuration learns of one at lint, not in a build.
#pragma once

#include <string>
#include <string_view>

namespace config {

// Why `path` does not name something inside the directory it is relative
// to, for "path \"/etc\" <problem>"; empty when it does. Refused: the empty
// path, an absolute one, one with a ".." component, and one that names the
// directory itself ("." or "./").
std::string relative_path_problem(std::string_view path);

// A relative path or pattern without its "." and empty components
// ("./dist//*.tar" → "dist/*.tar"; a leading '!' is kept): how a walk of the
// directory names what it finds, so that a pattern matches however it was
// written.
std::string without_dot_components(std::string_view pattern);

}  // namespace config
