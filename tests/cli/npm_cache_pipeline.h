// The repository the cache tests build: one execution that fills
// node_modules and ~/.npm when they are not there (saying "fetched") and
// reuses them when they are ("reused"), cached under a key of
// hashfiles("package-lock.json"), and that keeps dist/app.js ("bundle\n").
#pragma once

#include <string>

namespace clitest {

// Pipeline "ci", its stage "build" with the execution "deps", then `more_stages`.
inline std::string npm_cache_pipeline(const std::string& more_stages = "") {
  return R"HCL(pipeline "ci" {
  stage "build" {
    exec "deps" {
      run       = "if [ -d node_modules ]; then echo reused; else mkdir node_modules ~/.npm && echo fetched | tee node_modules/m ~/.npm/n; fi; cat ~/.npm/n; mkdir -p dist && echo bundle > dist/app.js"
      artifacts = ["dist/**"]
      cache "npm" {
        key   = "npm-${hashfiles("package-lock.json")}"
        paths = ["node_modules", "~/.npm"]
      }
    }
  }
)HCL" + more_stages + "}\n";
}

}  // namespace clitest
