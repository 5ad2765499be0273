// pack/unpack round trips, hostile archives refused, digest stability.
#include "blobs/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <fcntl.h>

#include <cstring>
#include <fstream>

#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;
using testpaths::TempDir;

void write_file(const fs::path& path, const std::string& text, mode_t mode = 0644) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

std::string read_file(const fs::path& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

void set_mtime(const fs::path& path, time_t seconds) {
  struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
  ::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

struct Packed {
  blobs::Result<blobs::PackResult> result;
  std::string bytes;
};

Packed pack(const std::vector<std::string>& paths, const blobs::PackOptions& options) {
  std::string bytes;
  auto result = blobs::pack(paths, options, [&](std::string_view piece) {
    bytes.append(piece);
    return true;
  });
  return {std::move(result), std::move(bytes)};
}

blobs::Source source_of(const std::string& bytes, std::size_t step = 1000) {
  auto at = std::make_shared<std::size_t>(0);
  return [&bytes, at, step](char* buffer, std::size_t capacity) -> std::ptrdiff_t {
    std::size_t n = std::min({capacity, step, bytes.size() - *at});
    std::memcpy(buffer, bytes.data() + *at, n);
    *at += n;
    return static_cast<std::ptrdiff_t>(n);
  };
}

// A tar + zstd stream with whatever entries a test wants, as an attacker
// would write it.
class HostileArchive {
 public:
  HostileArchive() : tar_(archive_write_new()) {
    archive_write_set_format_pax_restricted(tar_);
    archive_write_open_memory(tar_, buffer_.data(), buffer_.size(), &used_);
  }
  ~HostileArchive() { archive_write_free(tar_); }

  HostileArchive& add(const std::string& name, mode_t type, const std::string& data = "",
                      const std::string& link = "", bool hardlink = false) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, type);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, type == AE_IFREG ? data.size() : 0);
    if (hardlink) archive_entry_set_hardlink(entry, link.c_str());
    else if (!link.empty()) archive_entry_set_symlink(entry, link.c_str());
    archive_write_header(tar_, entry);
    if (!data.empty()) archive_write_data(tar_, data.data(), data.size());
    archive_entry_free(entry);
    return *this;
  }

  std::string zstd() {
    archive_write_close(tar_);
    std::string out(ZSTD_compressBound(used_), '\0');
    out.resize(ZSTD_compress(out.data(), out.size(), buffer_.data(), used_, 1));
    return out;
  }

 private:
  struct archive* tar_;
  std::vector<char> buffer_ = std::vector<char>(1 << 20);
  std::size_t used_ = 0;
};

class ArchiveTest : public ::testing::Test {
 protected:
  TempDir dir{"blobs-archive"};
  fs::path source = dir.path() / "source";
  fs::path home = dir.path() / "home";
  fs::path target = dir.path() / "target";
  fs::path target_home = dir.path() / "target-home";
  fs::path outside = dir.path() / "outside";

  void SetUp() override {
    for (const auto& d : {source, home, target, target_home, outside}) fs::create_directories(d);
  }

  blobs::Result<blobs::UnpackResult> unpack(const std::string& bytes, blobs::UnpackOptions options = {}) {
    if (options.target.empty()) options.target = target;
    return blobs::unpack(source_of(bytes), options);
  }

  void expect_refused(const std::string& bytes, const std::string& entry, blobs::UnpackOptions options = {}) {
    auto result = unpack(bytes, options);
    ASSERT_FALSE(result) << "unpacked " << entry;
    EXPECT_EQ(result.error().kind, blobs::ErrorKind::Refused) << result.error().message;
    EXPECT_NE(result.error().message.find(entry), std::string::npos) << entry << " not in: " << result.error().message;
    EXPECT_TRUE(fs::is_empty(outside)) << "something was written outside the target";
    EXPECT_FALSE(fs::exists(dir.path() / "escaped"));
  }
};

TEST_F(ArchiveTest, RoundTripKeepsModesSymlinksEmptyDirectoriesMtimesAndHome) {
  write_file(source / "node_modules/a/index.js", "module.exports = 1;\n");
  write_file(source / "node_modules/.bin/tool", "#!/bin/sh\necho hi\n", 0755);
  write_file(source / "node_modules/a/secret", "s", 0600);
  fs::create_directories(source / "node_modules/empty");
  fs::create_symlink("../a/index.js", source / "node_modules/.bin/a");
  set_mtime(source / "node_modules/a/index.js", 1'600'000'000);
  write_file(home / ".npm/_cacache/index", "npm cache\n");

  auto packed = pack({"node_modules", "~/.npm", "not-there"}, {.root = source, .home = home});
  ASSERT_TRUE(packed.result) << packed.result.error().message;
  EXPECT_EQ(packed.result->digest.size(), 64u);
  EXPECT_EQ(packed.result->compressed_size, packed.bytes.size());
  EXPECT_EQ(packed.result->files, 11u);  // 4 directories, 3 files and a symlink; ~/.npm: 2 directories, a file
  EXPECT_EQ(packed.result->missing, std::vector<std::string>{"not-there"});
  EXPECT_GT(packed.result->raw_size, packed.bytes.size());

  auto unpacked = unpack(packed.bytes, {.target = target, .home = target_home});
  ASSERT_TRUE(unpacked) << unpacked.error().message;
  EXPECT_EQ(read_file(target / "node_modules/a/index.js"), "module.exports = 1;\n");
  EXPECT_EQ(read_file(target_home / ".npm/_cacache/index"), "npm cache\n");
  EXPECT_FALSE(fs::exists(target / "~"));
  struct stat info;
  ASSERT_EQ(::stat((target / "node_modules/.bin/tool").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat((target / "node_modules/a/secret").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat((target / "node_modules/a/index.js").c_str(), &info), 0);
  EXPECT_EQ(info.st_mtime, 1'600'000'000);
  EXPECT_TRUE(fs::is_symlink(target / "node_modules/.bin/a"));
  EXPECT_EQ(fs::read_symlink(target / "node_modules/.bin/a"), "../a/index.js");
  EXPECT_TRUE(fs::is_directory(target / "node_modules/empty"));
  EXPECT_EQ(unpacked->bytes, 20u + 18u + 1u + 10u);
  auto again = unpack(packed.bytes, {.target = target, .home = target_home});  // over the first restore
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(fs::read_symlink(target / "node_modules/.bin/a"), "../a/index.js");
}

TEST_F(ArchiveTest, PackRefusesPathsOutsideItsRoots) {
  for (const std::string path : {"../x", "/etc/passwd", "a/../../x", "~/../x"}) {
    auto packed = pack({path}, {.root = source, .home = home});
    ASSERT_FALSE(packed.result) << path;
    EXPECT_EQ(packed.result.error().kind, blobs::ErrorKind::Invalid);
  }
  auto no_home = pack({"~/.npm"}, {.root = source});
  ASSERT_FALSE(no_home.result);
  EXPECT_NE(no_home.result.error().message.find("no home"), std::string::npos);
}

TEST_F(ArchiveTest, SameTreeSameDigestAndAnMtimeChangesIt) {
  write_file(source / "dist/app.js", "console.log(1)\n");
  write_file(source / "dist/z/b.css", "body{}\n");
  for (const auto& p : {source / "dist/app.js", source / "dist/z/b.css", source / "dist/z", source / "dist"}) {
    set_mtime(p, 1'700'000'000);
  }
  auto first = pack({"dist"}, {.root = source});
  auto second = pack({"dist"}, {.root = source});
  ASSERT_TRUE(first.result && second.result);
  EXPECT_EQ(first.result->digest, second.result->digest);
  EXPECT_EQ(first.bytes, second.bytes);
  set_mtime(source / "dist/app.js", 1'700'000'001);
  auto touched = pack({"dist"}, {.root = source});
  ASSERT_TRUE(touched.result);
  EXPECT_NE(touched.result->digest, first.result->digest);
}

TEST_F(ArchiveTest, SinkThatStopsEndsThePack) {
  write_file(source / "f", std::string(1 << 20, 'x'));
  auto result = blobs::pack({"f"}, {.root = source}, [](std::string_view) { return false; });
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, blobs::ErrorKind::Io);
}

TEST_F(ArchiveTest, RefusesTraversal) {
  expect_refused(HostileArchive().add("ok", AE_IFREG, "1").add("../escaped", AE_IFREG, "x").zstd(), "../escaped");
  expect_refused(HostileArchive().add("a/../../escaped", AE_IFREG, "x").zstd(), "a/../../escaped");
}

TEST_F(ArchiveTest, RefusesAbsolutePaths) {
  std::string name = (dir.path() / "escaped").string();
  expect_refused(HostileArchive().add(name, AE_IFREG, "x").zstd(), name);
}

TEST_F(ArchiveTest, RefusesWritingThroughASymlink) {
  std::string escape = HostileArchive()
                           .add("link", AE_IFLNK, "", outside.string())
                           .add("link/pwned", AE_IFREG, "x")
                           .zstd();
  expect_refused(escape, "link/pwned");
  std::string relative = HostileArchive().add("up", AE_IFLNK, "", "../outside").add("up/pwned", AE_IFREG, "x").zstd();
  expect_refused(relative, "up/pwned");
  // a symlink that the target held already
  fs::create_symlink(outside, target / "existing");
  expect_refused(HostileArchive().add("existing/pwned", AE_IFREG, "x").zstd(), "existing/pwned");
  expect_refused(HostileArchive().add("existing", AE_IFDIR).zstd(), "existing");
  std::string swapped = HostileArchive()
                            .add("d", AE_IFDIR)
                            .add("d/ok", AE_IFREG, "1")
                            .add("e", AE_IFDIR)
                            .add("e", AE_IFLNK, "", outside.string())
                            .add("e/pwned", AE_IFREG, "x")
                            .zstd();
  expect_refused(swapped, "\"e\"");
  expect_refused(HostileArchive().add(".", AE_IFLNK, "", outside.string()).add("pwned", AE_IFREG, "x").zstd(), "\".\"");
  expect_refused(HostileArchive().add("./", AE_IFREG, "x").zstd(), "archive entry");  // libarchive names it ""
}

TEST_F(ArchiveTest, ReplacesASymlinkInTheWayInsteadOfWritingThroughIt) {
  write_file(outside / "victim", "untouched");
  fs::create_symlink(outside / "victim", target / "file");
  fs::create_symlink(outside, target / "link");
  auto result = unpack(HostileArchive().add("file", AE_IFREG, "new").add("link", AE_IFLNK, "", "file").zstd());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(read_file(outside / "victim"), "untouched");
  EXPECT_FALSE(fs::is_symlink(target / "file"));
  EXPECT_EQ(read_file(target / "file"), "new");
  EXPECT_EQ(fs::read_symlink(target / "link"), "file");
}

TEST_F(ArchiveTest, RefusesDevicesHardLinksAndHomeWithoutAHome) {
  expect_refused(HostileArchive().add("null", AE_IFCHR).zstd(), "null");
  expect_refused(HostileArchive().add("fifo", AE_IFIFO).zstd(), "fifo");
  expect_refused(HostileArchive().add("hard", AE_IFREG, "", "/etc/passwd", true).zstd(), "hard");
  expect_refused(HostileArchive().add("~/.bashrc", AE_IFREG, "x").zstd(), "~/.bashrc");
}

TEST_F(ArchiveTest, RefusesTooManyEntriesAndTooManyBytes) {
  HostileArchive many;
  for (int i = 0; i < 10; ++i) many.add("f" + std::to_string(i), AE_IFREG, "x");
  expect_refused(many.zstd(), "f5", {.max_entries = 5});
  expect_refused(HostileArchive().add("small", AE_IFREG, "1234").add("big", AE_IFREG, std::string(100, 'b')).zstd(),
                 "big", {.max_bytes = 50});
}

TEST_F(ArchiveTest, GarbageAndTruncatedStreamsAreCorrupt) {
  auto garbage = unpack("this is not zstd at all");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().kind, blobs::ErrorKind::Corrupt) << garbage.error().message;
  write_file(source / "f", std::string(100000, 'y'));
  auto packed = pack({"f"}, {.root = source});
  ASSERT_TRUE(packed.result);
  auto truncated = unpack(packed.bytes.substr(0, packed.bytes.size() / 2));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().kind, blobs::ErrorKind::Corrupt) << truncated.error().message;
}

TEST_F(ArchiveTest, SetuidBitsAreNotRestored) {
  auto result = unpack(HostileArchive().add("suid", AE_IFREG, "x").zstd());
  ASSERT_TRUE(result) << result.error().message;
  write_file(source / "suid", "#!/bin/sh\n", 04755);
  auto packed = pack({"suid"}, {.root = source});
  ASSERT_TRUE(packed.result);
  ASSERT_TRUE(unpack(packed.bytes));
  struct stat info;
  ASSERT_EQ(::stat((target / "suid").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0755u);
}

}  // namespace
