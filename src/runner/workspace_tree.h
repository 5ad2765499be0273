// Copies of a checked-out tree: what each execution's workspace starts as,
// and what a stage's executions changed in theirs carried on to the next
// stage (docs/runner.md#workspaces).
//
// Contract: a copy holds the directories, regular files (with their mode bits
// as the umask leaves them, and their modification times) and symbolic links
// (re-created, never followed) of the source; other kinds of file (sockets,
// fifos, devices) are left out. File contents are cloned where the file
// system can (copy_file_range: a reflink on Btrfs or XFS), otherwise copied
// in the kernel. Files below `.git/objects/` are hard-linked instead: git
// writes its objects once, read-only, and never changes them in place, so
// copies may share them (a repository's packs are most of its size). Every
// other file is a copy of its own: a build that writes into a file in place
// (`>>`, an editor, `npm install` rewriting package-lock.json) changes its
// own workspace only.
//
// Thread-safety: free functions without shared state; copies of one source
// may be made from several threads at once.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace runner {

// Copies the tree at `from` (a directory) to `to`, which must not exist yet
// (its parent must). False with `error` saying what failed; what was copied
// before stays for the caller to remove.
bool copy_tree(const std::filesystem::path& from, const std::filesystem::path& to, std::string& error);

// Copies the entries `paths` (relative to `from`: files and symbolic links,
// as `git ls-files` lists them) to the same places below `to`, creating the
// directories between. A path that no longer exists (a file deleted but not
// yet committed) is left out.
bool copy_paths(const std::filesystem::path& from, const std::vector<std::string>& paths,
                const std::filesystem::path& to, std::string& error);

// Carries what executions changed in `copies` (made of `base` by
// copy_tree) into `base`, each copy's changes in turn, so that where two
// changed the same path the later copy's version wins: entries that are new
// or differ from base's (in kind, mode, size or modification time; a link in
// its target) are moved into `base`, and entries a copy no longer has are
// removed from `base`. The copies are left incomplete. False with `error`
// when a change cannot be made.
bool hand_on(const std::filesystem::path& base, const std::vector<std::filesystem::path>& copies,
             std::string& error);

// Removes the tree at `path`, also where a build left folders it may not
// write to (Go's module cache is read-only); what cannot go stays.
void remove_tree(const std::filesystem::path& path);

}  // namespace runner
