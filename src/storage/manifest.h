#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace laminar::storage {

/// Replay position of one source (or reference table) at a checkpoint. Offsets are connector
/// specific, e.g. Kafka {"partition-0": "1234"}, Postgres CDC {"lsn": "0/ABCDEF"}.
struct SourceOffset {
  std::map<std::string, std::string> offsets;
  uint64_t epoch = 0;
  std::map<std::string, std::string> metadata;

  bool operator==(const SourceOffset&) const = default;
};

/// Two-phase-commit state of an exactly-once sink for the checkpoint's epoch. Recovery must not
/// use a checkpoint whose sinks are still kPending (the commit decision is unknown).
struct SinkCommitStatus {
  enum class State : uint8_t { kPending, kCommitted, kFailed };
  State state = State::kPending;
  std::string message;  // kFailed only

  bool operator==(const SinkCommitStatus&) const = default;
};

/// Where an operator's state bytes live: inline in the manifest as base64, or in the
/// checkpoint's `state.bin` sidecar at [external_offset, external_offset + external_length).
struct OperatorStateRef {
  std::optional<std::string> state_b64;
  bool external = false;
  uint64_t external_offset = 0;
  uint64_t external_length = 0;

  bool operator==(const OperatorStateRef&) const = default;
};

/// The JSON manifest of one checkpoint (reference system §3.2, version 1) plus `wal_position`,
/// the last WAL LSN whose effects the checkpoint contains (replay starts at wal_position + 1).
/// Unknown JSON fields are ignored when parsing, so newer writers stay readable.
struct CheckpointManifest {
  uint32_t version = 1;
  uint64_t checkpoint_id = 0;
  uint64_t epoch = 0;
  uint64_t timestamp_ms = 0;
  std::map<std::string, SourceOffset> source_offsets;
  std::map<std::string, uint64_t> sink_epochs;
  std::map<std::string, SinkCommitStatus> sink_commit_statuses;
  std::map<std::string, SourceOffset> table_offsets;
  std::map<std::string, OperatorStateRef> operator_states;
  std::optional<std::string> table_store_checkpoint_path;
  std::optional<int64_t> watermark;
  std::map<std::string, int64_t> source_watermarks;
  std::vector<std::string> source_names;  // sorted
  std::vector<std::string> sink_names;    // sorted
  std::optional<uint64_t> pipeline_hash;
  uint16_t vnode_count = 256;
  /// SHA-256 (lowercase hex) of the state.bin sidecar, when there is one.
  std::optional<std::string> state_checksum;
  uint64_t wal_position = 0;

  bool operator==(const CheckpointManifest&) const = default;
};

/// Pretty-printed JSON (2-space indent, keys in a fixed order, maps sorted). The last field,
/// "manifest_crc32c", is the CRC32C (8 lowercase hex digits) of the whole text with those 8
/// digits replaced by '0', so any bit flip in the file is detected. Fails (Invalid) when a
/// string is not valid UTF-8, which JSON cannot carry.
Result<std::string> ManifestToJson(const CheckpointManifest& manifest);

/// Parses a manifest. Any malformed input (bad JSON, wrong types, missing version /
/// checkpoint_id / epoch, unsupported version, numbers out of range, bad manifest_crc32c) is a
/// Status::Corruption (LDB-4006) saying which field is wrong — never a crash or an exception.
/// A manifest without "manifest_crc32c" (written by the reference system) is accepted.
Result<CheckpointManifest> ParseManifestJson(std::string_view json);

}  // namespace laminar::storage
