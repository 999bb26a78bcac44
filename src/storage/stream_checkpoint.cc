#include "storage/stream_checkpoint.h"

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <limits>

#include "common/crc32c.h"
#include "storage/coding.h"

namespace laminar::storage {

// ---------------------------------------------------------------------------------------------
// Errors

namespace checkpoint_error {
Status Disabled() {
  return Status::Invalid("checkpointing is disabled", ErrorCode::kCheckpointFailed);
}
Status DataDirRequired() {
  return Status::Invalid("data directory is required", ErrorCode::kMissingConfig);
}
Status WalRequiresCheckpoint() {
  return Status::Invalid("WAL mode requires checkpointing", ErrorCode::kInvalidConfig);
}
Status NoCheckpoint() {
  return Status::NotFound("no checkpoint available", ErrorCode::kCheckpointNotFound);
}
Status Timeout() {
  return Status::Cancelled("checkpoint operation timed out", ErrorCode::kCheckpointFailed);
}
Status InvalidConfig(std::string_view msg) {
  return Status::Invalid(fmt::format("invalid checkpoint config: {}", msg),
                         ErrorCode::kInvalidConfig);
}
Status IoError(std::string_view msg) {
  return Status::Corruption(fmt::format("checkpoint I/O error: {}", msg),
                            ErrorCode::kStateCorruption);
}
}  // namespace checkpoint_error

Status StreamCheckpointConfig::Validate() const {
  if (wal_mode.has_value() && !data_dir.has_value()) {
    return checkpoint_error::InvalidConfig("WAL mode requires data_dir to be set");
  }
  if (changelog_capacity.has_value() && *changelog_capacity == 0) {
    return checkpoint_error::InvalidConfig("changelog_capacity must be > 0");
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Changelog

std::optional<StreamChangeOp> StreamChangelogEntry::op_type() const {
  switch (op) {
    case 0:
      return StreamChangeOp::kPush;
    case 1:
      return StreamChangeOp::kWatermark;
    case 2:
      return StreamChangeOp::kBarrier;
    default:
      return std::nullopt;
  }
}

StreamChangelogBuffer::StreamChangelogBuffer(size_t capacity, OverflowPolicy policy)
    : entries_(capacity), capacity_(capacity), policy_(policy) {}

bool StreamChangelogBuffer::Push(const StreamChangelogEntry& entry) {
  if (count_ == capacity_) {
    ++overflow_count_;
    if (policy_ == OverflowPolicy::kDropNew || capacity_ == 0) return false;
    // OverwriteOldest: advance the read index, discarding the oldest entry.
    read_idx_ = (read_idx_ + 1) % capacity_;
    --count_;
  }
  entries_[write_idx_] = entry;
  write_idx_ = (write_idx_ + 1) % capacity_;
  ++count_;
  return true;
}

std::optional<StreamChangelogEntry> StreamChangelogBuffer::Pop() {
  if (count_ == 0) return std::nullopt;
  StreamChangelogEntry entry = entries_[read_idx_];
  read_idx_ = (read_idx_ + 1) % capacity_;
  --count_;
  return entry;
}

void StreamChangelogBuffer::Drain(size_t max, std::vector<StreamChangelogEntry>* out) {
  size_t n = std::min(max, count_);
  for (size_t i = 0; i < n; ++i) {
    if (auto entry = Pop()) out->push_back(*entry);
  }
}

void StreamChangelogBuffer::DrainAll(std::vector<StreamChangelogEntry>* out) { Drain(count_, out); }

// ---------------------------------------------------------------------------------------------
// StreamCheckpoint binary format v2

namespace {

constexpr uint8_t kStreamCheckpointVersion = 2;

template <typename T>
void Put(std::vector<uint8_t>* buf, T v) {
  PutFixed(buf, v);
}

Status PutString(std::vector<uint8_t>* buf, const std::string& s) {
  if (s.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::Invalid(fmt::format("checkpoint name of {} bytes is too long", s.size()),
                           ErrorCode::kSerializationFailed);
  }
  Put(buf, static_cast<uint32_t>(s.size()));
  buf->insert(buf->end(), s.begin(), s.end());
  return Status::OK();
}

/// Bounds-checked little-endian reader over the payload (CRC trailer excluded).
class Decoder {
 public:
  explicit Decoder(std::span<const uint8_t> data) : data_(data) {}

  Result<uint32_t> U32() {
    if (data_.size() - pos_ < 4) return checkpoint_error::IoError("truncated u32");
    return Fixed<uint32_t>();
  }
  Result<uint64_t> U64() {
    if (data_.size() - pos_ < 8) return checkpoint_error::IoError("truncated u64");
    return Fixed<uint64_t>();
  }
  Result<int64_t> I64() {
    if (data_.size() - pos_ < 8) return checkpoint_error::IoError("truncated i64");
    return Fixed<int64_t>();
  }
  Result<std::string> String() {
    LAMINAR_ASSIGN_OR_RETURN(uint32_t len, U32());
    if (data_.size() - pos_ < len) return checkpoint_error::IoError("truncated string");
    std::string s(reinterpret_cast<const char*>(data_.data() + pos_), len);
    if (!IsValidUtf8(s)) return checkpoint_error::IoError("invalid utf8");
    pos_ += len;
    return s;
  }
  Result<std::vector<uint8_t>> Bytes(uint32_t len) {
    if (data_.size() - pos_ < len) return checkpoint_error::IoError("truncated operator state");
    std::vector<uint8_t> out(data_.begin() + static_cast<ptrdiff_t>(pos_),
                             data_.begin() + static_cast<ptrdiff_t>(pos_ + len));
    pos_ += len;
    return out;
  }
  void Skip(size_t n) { pos_ += n; }

 private:
  template <typename T>
  T Fixed() {
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<uint8_t>> StreamCheckpoint::ToBytes() const {
  std::vector<uint8_t> buf;
  buf.reserve(256);
  buf.push_back(kStreamCheckpointVersion);
  Put(&buf, id);
  Put(&buf, epoch);
  Put(&buf, created_at);

  Put(&buf, static_cast<uint32_t>(source_sequences.size()));
  for (const auto& [name, seq] : source_sequences) {
    LAMINAR_RETURN_NOT_OK(PutString(&buf, name));
    Put(&buf, seq);
  }
  Put(&buf, static_cast<uint32_t>(sink_positions.size()));
  for (const auto& [name, pos] : sink_positions) {
    LAMINAR_RETURN_NOT_OK(PutString(&buf, name));
    Put(&buf, pos);
  }
  Put(&buf, static_cast<uint32_t>(watermarks.size()));
  for (const auto& [name, wm] : watermarks) {
    LAMINAR_RETURN_NOT_OK(PutString(&buf, name));
    Put(&buf, wm);
  }
  Put(&buf, static_cast<uint32_t>(operator_states.size()));
  for (const auto& [name, data] : operator_states) {
    LAMINAR_RETURN_NOT_OK(PutString(&buf, name));
    if (data.size() > std::numeric_limits<uint32_t>::max()) {
      return Status::Invalid(
          fmt::format("operator state '{}' of {} bytes exceeds the 4 GiB format limit", name,
                      data.size()),
          ErrorCode::kSerializationFailed);
    }
    Put(&buf, static_cast<uint32_t>(data.size()));
    buf.insert(buf.end(), data.begin(), data.end());
  }
  // CRC32C over the payload (everything after the version byte).
  Put(&buf, Crc32c(buf.data() + 1, buf.size() - 1));
  return buf;
}

Result<StreamCheckpoint> StreamCheckpoint::FromBytes(std::span<const uint8_t> data) {
  if (data.empty()) return checkpoint_error::IoError("empty checkpoint data");
  const uint8_t version = data[0];
  if (version != kStreamCheckpointVersion) {
    return checkpoint_error::IoError(
        fmt::format("unsupported checkpoint version: {} (expected 2)", version));
  }
  if (data.size() < 5) return checkpoint_error::IoError("checkpoint too short for CRC");
  const size_t crc_start = data.size() - 4;
  uint32_t stored_crc;
  std::memcpy(&stored_crc, data.data() + crc_start, 4);
  const uint32_t computed_crc = Crc32c(data.data() + 1, crc_start - 1);
  if (stored_crc != computed_crc) {
    return checkpoint_error::IoError(
        fmt::format("CRC mismatch: stored={:#010x} computed={:#010x}", stored_crc, computed_crc));
  }

  // Every field read is bounded by the payload, never the CRC trailer.
  Decoder in(data.first(crc_start));
  in.Skip(1);
  StreamCheckpoint cp;
  LAMINAR_ASSIGN_OR_RETURN(cp.id, in.U64());
  LAMINAR_ASSIGN_OR_RETURN(cp.epoch, in.U64());
  LAMINAR_ASSIGN_OR_RETURN(cp.created_at, in.U64());

  LAMINAR_ASSIGN_OR_RETURN(uint32_t num_sources, in.U32());
  for (uint32_t i = 0; i < num_sources; ++i) {
    LAMINAR_ASSIGN_OR_RETURN(std::string name, in.String());
    LAMINAR_ASSIGN_OR_RETURN(uint64_t seq, in.U64());
    cp.source_sequences[std::move(name)] = seq;
  }
  LAMINAR_ASSIGN_OR_RETURN(uint32_t num_sinks, in.U32());
  for (uint32_t i = 0; i < num_sinks; ++i) {
    LAMINAR_ASSIGN_OR_RETURN(std::string name, in.String());
    LAMINAR_ASSIGN_OR_RETURN(uint64_t pos, in.U64());
    cp.sink_positions[std::move(name)] = pos;
  }
  LAMINAR_ASSIGN_OR_RETURN(uint32_t num_watermarks, in.U32());
  for (uint32_t i = 0; i < num_watermarks; ++i) {
    LAMINAR_ASSIGN_OR_RETURN(std::string name, in.String());
    LAMINAR_ASSIGN_OR_RETURN(int64_t wm, in.I64());
    cp.watermarks[std::move(name)] = wm;
  }
  LAMINAR_ASSIGN_OR_RETURN(uint32_t num_ops, in.U32());
  for (uint32_t i = 0; i < num_ops; ++i) {
    LAMINAR_ASSIGN_OR_RETURN(std::string name, in.String());
    LAMINAR_ASSIGN_OR_RETURN(uint32_t len, in.U32());
    LAMINAR_ASSIGN_OR_RETURN(auto state, in.Bytes(len));
    cp.operator_states[std::move(name)] = std::move(state);
  }
  return cp;
}

// ---------------------------------------------------------------------------------------------
// Manager

StreamCheckpointManager::StreamCheckpointManager(StreamCheckpointConfig config)
    : config_(std::move(config)), enabled_(config_.Validate().ok()) {
  if (enabled_ && config_.changelog_capacity.has_value()) {
    changelog_.emplace(*config_.changelog_capacity, config_.overflow_policy);
  }
}

StreamCheckpointManager StreamCheckpointManager::Disabled() {
  StreamCheckpointManager mgr(StreamCheckpointConfig{});
  mgr.enabled_ = false;
  return mgr;
}

void StreamCheckpointManager::RegisterSource(const std::string& name,
                                             std::shared_ptr<std::atomic<uint64_t>> sequence,
                                             std::shared_ptr<std::atomic<int64_t>> watermark) {
  sources_[name] = RegisteredSource{std::move(sequence), std::move(watermark)};
}

void StreamCheckpointManager::RegisterSink(const std::string& name, uint64_t position) {
  sinks_[name] = position;
}

std::optional<uint64_t> StreamCheckpointManager::Trigger() {
  if (!enabled_) return std::nullopt;
  ++epoch_;
  const uint64_t id = next_id_++;

  StreamCheckpoint cp;
  cp.id = id;
  cp.epoch = epoch_;
  for (const auto& [name, src] : sources_) {
    cp.source_sequences[name] = src.sequence->load(std::memory_order_acquire);
    cp.watermarks[name] = src.watermark->load(std::memory_order_acquire);
  }
  cp.sink_positions = sinks_;
  auto now = std::chrono::system_clock::now().time_since_epoch();
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  cp.created_at = ms > 0 ? static_cast<uint64_t>(ms) : 0;
  checkpoints_.push_back(std::move(cp));

  if (config_.max_retained.has_value()) {
    while (checkpoints_.size() > *config_.max_retained) checkpoints_.erase(checkpoints_.begin());
  }
  return id;
}

Result<std::optional<uint64_t>> StreamCheckpointManager::Checkpoint() {
  if (!enabled_) return checkpoint_error::Disabled();
  return Trigger();
}

Result<const StreamCheckpoint*> StreamCheckpointManager::Restore() const {
  if (!enabled_) return checkpoint_error::Disabled();
  if (checkpoints_.empty()) return checkpoint_error::NoCheckpoint();
  return &checkpoints_.back();
}

const StreamCheckpoint* StreamCheckpointManager::GetCheckpoint(uint64_t id) const {
  for (const auto& cp : checkpoints_) {
    if (cp.id == id) return &cp;
  }
  return nullptr;
}

std::optional<uint64_t> StreamCheckpointManager::last_checkpoint_id() const {
  if (checkpoints_.empty()) return std::nullopt;
  return checkpoints_.back().id;
}

}  // namespace laminar::storage
