#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace laminar {

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by the WAL, checkpoints and
/// the streaming checkpoint format v2. Uses the SSE4.2 `crc32` instruction when the CPU has it,
/// a slicing-by-8 table otherwise; both give identical results.
/// Check value: Crc32c("123456789") == 0xE3069283.
uint32_t Crc32c(const void* data, size_t size);

/// Continues a CRC over more bytes: Crc32cExtend(Crc32c(a), b) == Crc32c(a ++ b).
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size);

inline uint32_t Crc32c(std::string_view s) { return Crc32c(s.data(), s.size()); }
inline uint32_t Crc32c(std::span<const std::byte> s) { return Crc32c(s.data(), s.size()); }

namespace internal {
/// The portable implementation; exposed so tests can compare it with the hardware path.
uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t size);
/// The SSE4.2 implementation; only call when HasSse42() is true.
uint32_t Crc32cExtendSse42(uint32_t crc, const void* data, size_t size);
bool HasSse42();
}  // namespace internal

}  // namespace laminar
