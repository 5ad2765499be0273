// Parsing HCL native syntax into a File, and merging several files.
//
// Parsing never stops at the first error: it recovers at the next attribute
// or block and reports every independent error. The returned File always has
// a body (possibly partial when there were errors). Deeply nested input is an
// error ("too deeply nested"), never a stack overflow.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hcl/ast.h"
#include "hcl/diagnostics.h"

namespace hcl {

class Arena;

// A parsed file: its source, its tree, and the arena the tree lives in.
// Move-only; the tree is valid as long as the File lives.
struct File {
  std::shared_ptr<const SourceFile> source;
  const Body* body = nullptr;
  std::unique_ptr<Arena> arena;

  File();
  File(File&&) noexcept;
  File& operator=(File&&) noexcept;
  ~File();
};

// Parses `text` as a configuration file named `name` (used in diagnostics).
// A leading UTF-8 byte-order mark is skipped; CRLF line ends are accepted.
File parse(std::string name, std::string text, Diagnostics& diags);

// Reads and parses a file; an unreadable file is a diagnostic.
File parse_file(const std::filesystem::path& path, Diagnostics& diags);

// A standalone expression (for tests and tools), e.g. `upper(var.x)`.
struct ParsedExpression {
  File file;
  const Expr* expr = nullptr;  // nullptr when it did not parse
};
ParsedExpression parse_expression(std::string name, std::string text, Diagnostics& diags);

// Several files read as one configuration, in the order given. Attributes
// defined at the top level of two files are an error naming both places.
struct FileSet {
  std::vector<File> files;
};
// Parses every `*.hcl` directly in `dir`, in byte order of the names.
FileSet parse_directory(const std::filesystem::path& dir, Diagnostics& diags);
void check_merge(const FileSet& set, Diagnostics& diags);

}  // namespace hcl
