// Reading configuration files from disk, and merging several files into one
// configuration: the files of a directory are read in name order, and a
// top-level argument may be set in only one of them.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <system_error>

#include "hcl/parser.h"

namespace hcl {

namespace {

void cannot_read(const std::filesystem::path& path, const std::string& why, Diagnostics& diags) {
  Diagnostic d;
  d.summary = "Cannot read configuration file";
  d.detail = path.string() + ": " + why;
  diags.add(std::move(d));
}

}  // namespace

File parse_file(const std::filesystem::path& path, Diagnostics& diags) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    cannot_read(path, std::error_code(errno, std::generic_category()).message(), diags);
    return parse(path.string(), "", diags);
  }
  std::string text;
  char buffer[65536];
  // Read straight into one string, sized up front when the size is known.
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (!ec) text.reserve(size);
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f.get())) > 0) text.append(buffer, n);
  if (std::ferror(f.get())) cannot_read(path, "read error", diags);
  if (text.size() > UINT32_MAX / 2) {
    cannot_read(path, "the file is larger than 2 GB", diags);
    text.clear();
  }
  return parse(path.string(), std::move(text), diags);
}

FileSet parse_directory(const std::filesystem::path& dir, Diagnostics& diags) {
  FileSet set;
  std::error_code ec;
  std::vector<std::filesystem::path> paths;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto& p = it->path();
    if (p.extension() == ".hcl" && it->is_regular_file(ec)) paths.push_back(p);
  }
  if (ec) {
    cannot_read(dir, ec.message(), diags);
    return set;
  }
  std::sort(paths.begin(), paths.end(),
            [](const auto& a, const auto& b) { return a.filename().string() < b.filename().string(); });
  for (const auto& p : paths) set.files.push_back(parse_file(p, diags));
  check_merge(set, diags);
  return set;
}

void check_merge(const FileSet& set, Diagnostics& diags) {
  struct Seen {
    std::string_view name;
    const File* file;
    const Attribute* attr;
  };
  std::vector<Seen> seen;
  for (const File& f : set.files)
    if (f.body)
      for (const Attribute& a : f.body->attributes()) seen.push_back({f.source->slice(a.name_span), &f, &a});
  std::stable_sort(seen.begin(), seen.end(), [](const Seen& a, const Seen& b) { return a.name < b.name; });
  for (size_t i = 1; i < seen.size(); ++i) {
    if (seen[i].name != seen[i - 1].name || seen[i].file == seen[i - 1].file) continue;
    const Seen& first = seen[i - 1];
    Pos where = first.file->source->position(first.attr->name_span.begin);
    Diagnostic d;
    d.summary = "Attribute redefined";
    d.detail = "The argument \"" + std::string(seen[i].name) + "\" is also set at the top level of " +
               first.file->source->name() + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
               ". The files of a directory form one configuration, so each top-level argument may be set in only "
               "one of them.";
    d.subject = make_range(seen[i].file->source, seen[i].attr->name_span);
    d.context = make_range(first.file->source, first.attr->name_span);
    diags.add(std::move(d));
  }
}

}  // namespace hcl
