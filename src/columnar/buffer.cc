#include "columnar/buffer.h"

#include <bit>
#include <cstdlib>
#include <vector>

#include "common/macros.h"

namespace laminar::columnar {
namespace {

int64_t RoundUp(int64_t n) {
  return (n + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
}

uint8_t* AlignedAlloc(int64_t capacity) {
  int64_t cap = RoundUp(capacity == 0 ? kBufferAlignment : capacity);
  void* p = std::aligned_alloc(kBufferAlignment, static_cast<size_t>(cap));
  LAMINAR_CHECK(p != nullptr);
  return static_cast<uint8_t*>(p);
}

// Recently freed batch-sized blocks, kept per thread for the next allocation of about the same
// size. Every pushed batch allocates kernel outputs and frees them a moment later; handing those
// blocks back to malloc made glibc give the top of the heap back to the kernel and fault it in
// again on the next batch whenever the freed block sat at the top of the heap — which depends on
// what else the process allocated, so a query ran at one of two speeds per process (Nexmark q2:
// 1.4e8 or 2.7e8 events/s). Blocks of kMinCached..kMaxBytes bytes, at most kMaxBlocks and
// kMaxBytes in all per thread; a request takes a block up to 25% larger than it asked for. Off
// under AddressSanitizer, which must see every free to catch a use after it.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCacheBlocks = false;
#else
constexpr bool kCacheBlocks = true;
#endif
constexpr int64_t kMinCached = 16 << 10;
constexpr size_t kMaxBlocks = 8;
constexpr int64_t kMaxBytes = 1 << 20;

// True while this thread's cache exists. A buffer can be freed during thread exit after the cache
// was destroyed (a thread_local or, on the main thread, a static holding arrays): it then goes
// straight to free(). A bool has no destructor, so it stays readable until the thread is gone.
thread_local bool t_blocks_alive = false;

class BlockCache {
 public:
  BlockCache() { t_blocks_alive = true; }
  ~BlockCache() {
    t_blocks_alive = false;
    for (const auto& b : blocks_) std::free(b.data);
  }
  /// A cached block of at least `capacity` bytes (and at most 25% more), or null.
  uint8_t* Take(int64_t capacity, int64_t* got) {
    for (size_t i = blocks_.size(); i-- > 0;) {  // newest first: most likely still in cache
      const Block b = blocks_[i];
      if (b.capacity >= capacity && b.capacity <= capacity + capacity / 4) {
        blocks_[i] = blocks_.back();
        blocks_.pop_back();
        bytes_ -= b.capacity;
        *got = b.capacity;
        return b.data;
      }
    }
    return nullptr;
  }
  /// Keeps the block when there is room; false: the caller frees it.
  bool Give(uint8_t* data, int64_t capacity) {
    if (blocks_.size() >= kMaxBlocks || bytes_ + capacity > kMaxBytes) return false;
    blocks_.push_back({data, capacity});
    bytes_ += capacity;
    return true;
  }

 private:
  struct Block {
    uint8_t* data;
    int64_t capacity;
  };
  std::vector<Block> blocks_;
  int64_t bytes_ = 0;
};

/// This thread's cache, or null once it has been destroyed (thread exit).
BlockCache* ThreadBlocks() {
  thread_local BlockCache cache;
  return t_blocks_alive ? &cache : nullptr;
}

/// AlignedAlloc() of `*capacity` bytes (already rounded), from the thread's cache when a block of
/// about that size is there; `*capacity` becomes the block's size.
uint8_t* AllocateBlock(int64_t* capacity) {
  BlockCache* cache =
      kCacheBlocks && *capacity >= kMinCached && *capacity <= kMaxBytes ? ThreadBlocks() : nullptr;
  if (cache != nullptr) {
    int64_t got = 0;
    if (uint8_t* p = cache->Take(*capacity, &got)) {
      *capacity = got;
      return p;
    }
  }
  return AlignedAlloc(*capacity);
}

void FreeBlock(uint8_t* data, int64_t capacity) {
  BlockCache* cache =
      kCacheBlocks && capacity >= kMinCached && capacity <= kMaxBytes ? ThreadBlocks() : nullptr;
  if (cache != nullptr && cache->Give(data, capacity)) return;
  std::free(data);
}

}  // namespace

std::shared_ptr<Buffer> Buffer::Allocate(int64_t size) {
  auto buf = std::shared_ptr<Buffer>(new Buffer());
  buf->capacity_ = RoundUp(size == 0 ? kBufferAlignment : size);
  uint8_t* p = AllocateBlock(&buf->capacity_);
  std::memset(p, 0, static_cast<size_t>(buf->capacity_));
  buf->data_ = p;
  buf->size_ = size;
  buf->owned_ = true;
  return buf;
}

std::shared_ptr<Buffer> Buffer::AllocateUninitialized(int64_t size) {
  auto buf = std::shared_ptr<Buffer>(new Buffer());
  buf->capacity_ = RoundUp(size == 0 ? kBufferAlignment : size);
  uint8_t* p = AllocateBlock(&buf->capacity_);
  std::memset(p + size, 0, static_cast<size_t>(buf->capacity_ - size));
  buf->data_ = p;
  buf->size_ = size;
  buf->owned_ = true;
  return buf;
}

std::shared_ptr<Buffer> Buffer::CopyFrom(const void* data, int64_t size) {
  auto buf = AllocateUninitialized(size);
  if (size > 0) std::memcpy(buf->mutable_data(), data, static_cast<size_t>(size));
  return buf;
}

std::shared_ptr<Buffer> Buffer::Wrap(const uint8_t* data, int64_t size,
                                     std::function<void()> release) {
  auto buf = std::shared_ptr<Buffer>(new Buffer());
  buf->data_ = data;
  buf->size_ = size;
  buf->capacity_ = size;
  buf->owned_ = false;
  buf->release_ = std::move(release);
  return buf;
}

Buffer::~Buffer() {
  if (owned_) {
    FreeBlock(const_cast<uint8_t*>(data_), capacity_);
  } else if (release_) {
    release_();
  }
}

void Buffer::Reserve(int64_t new_capacity) {
  LAMINAR_CHECK(owned_);
  if (new_capacity <= capacity_) return;
  int64_t cap = RoundUp(std::max(new_capacity, capacity_ * 2));
  uint8_t* p = AllocateBlock(&cap);
  if (size_ > 0) std::memcpy(p, data_, static_cast<size_t>(size_));
  std::memset(p + size_, 0, static_cast<size_t>(cap - size_));
  FreeBlock(const_cast<uint8_t*>(data_), capacity_);
  data_ = p;
  capacity_ = cap;
}

namespace bit_util {

int64_t CountSetBits(const uint8_t* bits, int64_t offset, int64_t length) {
  int64_t count = 0;
  int64_t i = offset;
  const int64_t end = offset + length;
  while (i < end && (i & 7) != 0) count += GetBit(bits, i++);
  while (i + 64 <= end) {
    uint64_t word;
    std::memcpy(&word, bits + (i >> 3), 8);
    count += std::popcount(word);
    i += 64;
  }
  while (i < end) count += GetBit(bits, i++);
  return count;
}

void CopyBits(const uint8_t* src, int64_t src_offset, int64_t length, uint8_t* dst,
              int64_t dst_offset) {
  if ((src_offset & 7) == 0 && (dst_offset & 7) == 0) {
    int64_t whole = length >> 3;
    std::memcpy(dst + (dst_offset >> 3), src + (src_offset >> 3), static_cast<size_t>(whole));
    for (int64_t i = whole * 8; i < length; ++i) {
      SetBitTo(dst, dst_offset + i, GetBit(src, src_offset + i));
    }
    return;
  }
  for (int64_t i = 0; i < length; ++i) SetBitTo(dst, dst_offset + i, GetBit(src, src_offset + i));
}

}  // namespace bit_util
}  // namespace laminar::columnar
