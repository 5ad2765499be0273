#!/usr/bin/env bash
# Every link between the project's documents resolves: relative Markdown
# links in README.md and docs/, and the docs/*.md files that source comments
# point to. Prints each broken one with where it is; exits 1 if any.
set -uo pipefail
cd "$(dirname "$0")/.."
broken=0
while IFS= read -r doc; do
  dir=$(dirname "$doc")
  while IFS=: read -r line target; do
    target=${target%%#*}
    [ -z "$target" ] && continue
    case $target in http://*|https://*|mailto:*) continue ;; esac
    [ -e "$dir/$target" ] || { echo "$doc:$line: broken link to $target"; broken=1; }
  done < <(grep -noE '\]\([^) ]+' "$doc" | sed -E 's/^([0-9]+):\]\(/\1:/')
done < <(git ls-files README.md 'docs/*.md')
while IFS=: read -r file line target; do
  [ -e "$target" ] || { echo "$file:$line: names $target, which does not exist"; broken=1; }
done < <(git grep -noE 'docs/[A-Za-z0-9_./-]+\.md' -- . ':!docs' ':!README.md' ':!tests/config/glob_test.cpp')
exit $broken
