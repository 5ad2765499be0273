// Save and restore of a cache-sized tree through blobs::pack/unpack against
// `tar -c | zstd -1` and `zstd -d | tar -x` of the same tree in the same run.
//   blobs_bench [WORK_DIR] [FILES] [BYTES_PER_FILE]   (default: 20,000 files of 10 KiB, 200 MB)
// Prints each side's throughput (tree bytes per second), our/baseline ratio
// (target >= 0.8) and this process's peak RSS (target < 32 MB). The tree is
// half random bytes, half repeated text per file, so zstd has work to do.
// Not a Google Benchmark: one long run per side, each after a sync. Neither
// side fsyncs what it writes.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "blobs/archive.h"

namespace fs = std::filesystem;

namespace {

// Each side starts with no dirty pages of the other's writing to wait behind.
double seconds_of(const std::function<void()>& work) {
  ::sync();
  auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void make_tree(const fs::path& root, int files, std::size_t bytes) {
  std::mt19937_64 random(42);
  std::string content(bytes, '\0');
  for (int i = 0; i < files; ++i) {
    fs::path dir = root / ("pkg" + std::to_string(i / 100)) / ("lib" + std::to_string(i / 10 % 10));
    if (i % 10 == 0) fs::create_directories(dir);
    for (std::size_t b = 0; b < bytes / 2; b += 8) {
      std::uint64_t word = random();
      std::memcpy(content.data() + b, &word, std::min<std::size_t>(8, bytes / 2 - b));
    }
    for (std::size_t b = bytes / 2; b < bytes; ++b) content[b] = "module.exports = function () {}\n"[b % 32];
    std::ofstream(dir / ("file" + std::to_string(i) + ".js"), std::ios::binary) << content;
  }
}

void run(const std::string& command) {
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "failed: %s\n", command.c_str());
    std::exit(1);
  }
}

long peak_rss_kb() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path work = argc > 1 ? argv[1] : fs::temp_directory_path() / ("blobs-bench-" + std::to_string(getpid()));
  int files = argc > 2 ? std::atoi(argv[2]) : 20'000;
  std::size_t bytes = argc > 3 ? std::atoll(argv[3]) : 10'240;
  fs::remove_all(work);
  fs::create_directories(work / "ours");
  fs::create_directories(work / "theirs");
  make_tree(work / "tree", files, bytes);
  double tree_mb = static_cast<double>(files) * bytes / 1e6;
  run("sync");
  long rss_before = peak_rss_kb();

  blobs::PackResult packed;
  double pack_ours = seconds_of([&] {
    std::FILE* out = std::fopen((work / "ours.tar.zst").c_str(), "wb");
    auto result = blobs::pack({"tree"}, {.root = work}, [&](std::string_view piece) {
      return std::fwrite(piece.data(), 1, piece.size(), out) == piece.size();
    });
    std::fclose(out);
    if (!result) std::fprintf(stderr, "pack: %s\n", result.error().message.c_str()), std::exit(1);
    packed = result.value();
  });
  std::string w = work.string();
  double pack_theirs = seconds_of([&] { run("tar -C " + w + " -cf - tree | zstd -1 -q -o " + w + "/theirs.tar.zst"); });
  double unpack_ours = seconds_of([&] {
    std::FILE* in = std::fopen((work / "ours.tar.zst").c_str(), "rb");
    auto result = blobs::unpack(
        [&](char* buffer, std::size_t capacity) { return static_cast<std::ptrdiff_t>(std::fread(buffer, 1, capacity, in)); },
        {.target = work / "ours"});
    std::fclose(in);
    if (!result) std::fprintf(stderr, "unpack: %s\n", result.error().message.c_str()), std::exit(1);
  });
  long rss_peak = peak_rss_kb();
  double unpack_theirs = seconds_of([&] { run("zstd -d -q -c " + w + "/theirs.tar.zst | tar -C " + w + "/theirs -xf -"); });
  run("diff -r " + w + "/tree " + w + "/ours/tree");

  std::printf("tree: %d files, %.1f MB; ours %.1f MB compressed (%llu entries), tar|zstd -1 %.1f MB\n", files,
              tree_mb, packed.compressed_size / 1e6, static_cast<unsigned long long>(packed.files),
              fs::file_size(work / "theirs.tar.zst") / 1e6);
  std::printf("pack:   ours %6.1f MB/s  tar|zstd -1   %6.1f MB/s  ratio %.2f\n", tree_mb / pack_ours,
              tree_mb / pack_theirs, pack_theirs / pack_ours);
  std::printf("unpack: ours %6.1f MB/s  zstd -d|tar -x %6.1f MB/s  ratio %.2f\n", tree_mb / unpack_ours,
              tree_mb / unpack_theirs, unpack_theirs / unpack_ours);
  std::printf("peak RSS: %.1f MB (%.1f MB before packing)\n", rss_peak / 1024.0, rss_before / 1024.0);
  fs::remove_all(work);
}
