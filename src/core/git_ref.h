// Branch and tag names as events carry them: what follows refs/heads/ or
// refs/tags/. They come from webhooks and API calls, so from anyone who can
// push a branch or open a pull request, and they reach git's command line
// and `${event.branch}` in a `run` script.
//
//   if (auto problem = core::ref_name_problem(branch); !problem.empty()) reject(problem);
//
// A name is accepted when git check-ref-format accepts it (no control
// characters, space, ~ ^ : ? * [ \, "..", "@{", no component starting with
// '.' or ending in ".lock", no empty component, not "@", not ending in '.')
// and, so that it is one inert word to git and to a shell, it starts with no
// '-' and holds none of $ ` ' " ; & | < > ( ) — which git would allow.
//
// Thread-safety: a plain function.
#pragma once

#include <string>
#include <string_view>

namespace core {

// Why `name` is not an acceptable branch or tag name, for people; empty
// when it is one.
std::string ref_name_problem(std::string_view name);

}  // namespace core
