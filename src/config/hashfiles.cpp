#include "config/hashfiles.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "config/glob.h"
#include "config/references.h"
#include "config/relative_path.h"
#include "hcl/budget.h"

namespace config {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kName = "hashfiles";
constexpr size_t kChunk = 64 * 1024;

[[noreturn]] void fail(std::string message) { throw hcl::FunctionError(-1, "hashfiles() " + message); }

// SHA-256 through OpenSSL's EVP interface, hex out.
class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) fail("could not start SHA-256");
  }
  void update(std::string_view bytes) { EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size()); }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(context_.get(), digest, &size);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
      out += kDigits[digest[i] >> 4];
      out += kDigits[digest[i] & 0xF];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context_;
};

// The pattern without its exclusion mark, checked: the message names it.
void check_pattern(const std::string& pattern, size_t index) {
  const std::string_view path = std::string_view(pattern).substr(pattern.starts_with('!') ? 1 : 0);
  if (const std::string problem = relative_path_problem(path); !problem.empty())
    throw hcl::FunctionError(static_cast<int>(index), "The pattern \"" + pattern + "\" " + problem +
                                                          ": patterns are relative to the repository's root.");
  std::string error;
  if (!Glob::compile(path, error))
    throw hcl::FunctionError(static_cast<int>(index), "The pattern \"" + pattern + "\" is not a glob: " + error);
}

bool is_glob_character(char c) { return c == '*' || c == '?' || c == '[' || c == '\\'; }

// The directory (or file) a walk for `pattern` (without "." components)
// must start from: its leading components free of glob characters
// ("src/**/*.go" → "src", "package-lock.json" → itself, "**/x" → "", the root).
std::string literal_prefix(std::string_view pattern) {
  size_t end = 0;
  for (size_t at = 0; at < pattern.size();) {
    const size_t slash = std::min(pattern.find('/', at), pattern.size());
    if (std::ranges::any_of(pattern.substr(at, slash - at), is_glob_character)) break;
    end = slash;
    at = slash + 1;
  }
  return std::string(pattern.substr(0, end));
}

// Where the walk starts: each pattern's literal prefix, less those under
// another. A list that starts with an exclusion matches from everything.
std::vector<std::string> walk_starts(const std::vector<std::string>& patterns) {
  if (patterns.front().starts_with('!')) return {""};
  std::vector<std::string> prefixes;
  for (const auto& pattern : patterns)
    if (!pattern.starts_with('!')) prefixes.push_back(literal_prefix(pattern));
  std::ranges::sort(prefixes);
  std::vector<std::string> starts;
  for (auto& prefix : prefixes) {
    const bool covered = std::ranges::any_of(starts, [&](const std::string& start) {
      return start.empty() || prefix == start || prefix.starts_with(start + "/");
    });
    if (!covered) starts.push_back(std::move(prefix));
  }
  return starts;
}

bool inside(const fs::path& root, const fs::path& path) {
  auto [end, unused] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return end == root.end();
}

// The files one digest reads, by path relative to the root, with where
// their bytes are (a link's target).
class Selection {
 public:
  Selection(const fs::path& root, const GlobList& globs, const HashLimits& limits)
      : root_(root), globs_(globs), limits_(limits) {}

  void walk(const std::string& start) {
    if (!reachable(start)) return;
    const fs::path from = start.empty() ? root_ : root_ / start;
    std::error_code error;
    const fs::file_status status = fs::symlink_status(from, error);
    if (error || !fs::is_directory(status)) return consider(start, from, status);
    fs::recursive_directory_iterator it(from, fs::directory_options::skip_permission_denied, error);
    for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      hcl::step();
      const std::string relative = it->path().lexically_relative(root_).generic_string();
      if (relative == ".git") {
        it.disable_recursion_pending();
        continue;
      }
      std::error_code vanished;
      const fs::file_status entry = it->symlink_status(vanished);
      if (!vanished) consider(relative, it->path(), entry);
    }
    if (error) fail("cannot read " + from.string() + ": " + error.message());
  }

  const std::map<std::string, fs::path>& files() const { return files_; }

 private:
  // Whether the start is reached without passing through a symbolic link
  // (a whole walk does not follow links to directories either) or `.git`.
  bool reachable(const std::string& start) const {
    fs::path at = root_;
    const fs::path relative(start);
    for (auto it = relative.begin(); it != relative.end(); ++it) {
      if (it == relative.begin() && *it == ".git") return false;
      if (std::next(it) == relative.end()) break;
      at /= *it;
      std::error_code error;
      if (!fs::is_directory(fs::symlink_status(at, error))) return false;
    }
    return true;
  }

  void consider(const std::string& relative, const fs::path& path, const fs::file_status& status) {
    if (!globs_.matches(relative)) return;
    fs::path source = path;
    if (fs::is_symlink(status)) {
      std::error_code error;
      source = fs::canonical(path, error);
      if (error || !inside(root_, source) || !fs::is_regular_file(fs::status(source, error))) return;
    } else if (!fs::is_regular_file(status)) {
      return;
    }
    files_.emplace(relative, std::move(source));
    if (files_.size() > limits_.files)
      fail("hashes at most " + std::to_string(limits_.files) + " files, and the patterns match more; narrow them.");
  }

  const fs::path& root_;
  const GlobList& globs_;
  const HashLimits& limits_;
  std::map<std::string, fs::path> files_;  // std::string orders by bytes
};

// An open file, closed however its reading ends (the budget may throw).
struct OpenFile {
  int fd;
  ~OpenFile() {
    if (fd >= 0) ::close(fd);
  }
};

// The hex SHA-256 of one file, counting what it reads into `read`.
std::string file_digest(const std::string& relative, const fs::path& source, std::uint64_t& read,
                        const HashLimits& limits) {
  const OpenFile file{::open(source.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)};
  struct stat info {};
  if (file.fd < 0 || fstat(file.fd, &info) != 0) fail("cannot read " + relative + ": " + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) fail("cannot read " + relative + ": it is no longer a regular file");
  Sha256 sha;
  std::string buffer(kChunk, '\0');
  for (;;) {
    const ssize_t n = ::read(file.fd, buffer.data(), buffer.size());
    if (n == 0) return sha.hex();
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read " + relative + ": " + std::strerror(errno));
    read += static_cast<std::uint64_t>(n);
    if (read > limits.bytes)
      fail("reads at most " + std::to_string(limits.bytes) + " bytes, and " + relative +
           " grew past that as it was read.");
    sha.update(std::string_view(buffer.data(), static_cast<size_t>(n)));
    hcl::step(static_cast<size_t>(n) / 1024 + 1);
  }
}

}  // namespace

FileHasher FileHasher::of_tree(fs::path root, HashLimits limits) { return FileHasher(std::move(root), false, limits); }

FileHasher FileHasher::without_tree() { return FileHasher({}, true, {}); }

std::string FileHasher::digest(const std::vector<std::string>& given) {
  std::vector<std::string> patterns;
  for (size_t i = 0; i < given.size(); ++i) {
    check_pattern(given[i], i);
    patterns.push_back(without_dot_components(given[i]));
  }
  if (unread_) return std::string(kUnreadDigest);
  if (auto known = digests_.find(patterns); known != digests_.end()) return known->second;
  std::string digest = compute(patterns);
  digests_.emplace(patterns, digest);
  return digest;
}

std::string FileHasher::compute(const std::vector<std::string>& patterns) const {
  if (root_.empty())
    fail("has no files to read here: only the agent and `factory run` plan with the commit's files.");
  std::error_code error;
  const fs::path root = fs::canonical(root_, error);
  if (error) fail("cannot read the repository at " + root_.string() + ": " + error.message());
  std::string glob_error;
  const auto globs = GlobList::compile(patterns, glob_error);
  if (!globs) fail(glob_error);  // check_pattern let it through: not expected
  Selection selection(root, *globs, limits_);
  for (const auto& start : walk_starts(patterns)) selection.walk(start);
  if (selection.files().empty()) return "";
  std::uint64_t size = 0;
  for (const auto& [relative, source] : selection.files()) {
    size += fs::file_size(source, error);
    if (error) fail("cannot read " + relative + ": " + error.message());
  }
  if (size > limits_.bytes)
    fail("reads at most " + std::to_string(limits_.bytes) +
         " bytes, and the files the patterns match hold more; narrow them.");
  Sha256 all;
  std::uint64_t read = 0;
  for (const auto& [relative, source] : selection.files()) {
    all.update(relative);
    all.update(std::string_view("\0", 1));
    all.update(file_digest(relative, source, read, limits_));
    all.update("\n");
  }
  return all.hex();
}

std::shared_ptr<const hcl::FunctionTable> configuration_functions(std::shared_ptr<FileHasher> hasher) {
  std::vector<hcl::Function> functions = hcl::standard_functions().all();
  functions.push_back({kName, 1, -1, "hashfiles(pattern, ...)", [hasher](std::span<const hcl::Value> args) {
                         std::vector<std::string> patterns;
                         for (size_t i = 0; i < args.size(); ++i) {
                           auto pattern = hcl::to_string_value(args[i]);
                           if (!pattern)
                             throw hcl::FunctionError(static_cast<int>(i), "A pattern must be a string.");
                           patterns.push_back(std::move(*pattern));
                         }
                         return hcl::Value(hasher->digest(patterns));
                       }});
  return std::make_shared<const hcl::FunctionTable>(std::move(functions));
}

namespace {

bool body_calls(const hcl::Body& body, const hcl::SourceFile& source, std::string_view function) {
  for (const auto& attribute : body.attributes())
    if (std::ranges::count(function_calls(*attribute.expr, source), function) > 0) return true;
  for (const auto& block : body.blocks())
    if (body_calls(block.body, source, function)) return true;
  return false;
}

}  // namespace

bool calls_hashfiles(const Configuration& cfg) {
  return std::ranges::any_of(cfg.files->files, [](const hcl::File& file) {
    return file.body && body_calls(*file.body, *file.source, kName);
  });
}

}  // namespace config
