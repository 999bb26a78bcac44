#pragma once

#include <cstdint>

namespace laminar {

/// Stable error codes, shown as `LDB-NNNN`. Numbering follows the reference system:
/// 0xxx general, 1xxx SQL, 2xxx window/watermark, 3xxx join, 4xxx serde/state, 5xxx connector,
/// 6xxx checkpoint, 7xxx query execution, 8xxx internal. Persisted and user-visible: never
/// renumber an existing code.
enum class ErrorCode : uint16_t {
  kNone = 0,
  // 0xxx general
  kInvalidConfig = 1,
  kMissingConfig = 2,
  kUnresolvedConfigVar = 3,
  kShutdown = 4,
  kInvalidOperation = 5,
  kSchemaMismatch = 6,
  // 1xxx SQL
  kSqlUnsupported = 1001,  // also: parse errors
  kPlanningFailed = 1002,
  kColumnNotFound = 1100,
  kTableNotFound = 1101,
  kTypeMismatch = 1200,
  // 2xxx window / watermark
  kWatermarkRequired = 2001,
  kWindowInvalid = 2002,
  kWindowSizeInvalid = 2003,
  kLateDataRejected = 2004,
  // 3xxx join
  kJoinKeyMissing = 3001,
  kJoinTimeBoundMissing = 3002,
  kTemporalJoinNoPk = 3003,
  kJoinTypeUnsupported = 3004,
  // 4xxx serde / state
  kSerializationFailed = 4001,
  kDeserializationFailed = 4002,
  kJsonParseError = 4003,
  kBase64DecodeError = 4004,
  kStateKeyMissing = 4005,
  kStateCorruption = 4006,
  // 5xxx connector
  kConnectionFailed = 5001,
  kConnectorAuth = 5002,
  kConnectorRead = 5003,
  kConnectorWrite = 5004,  // also: INSERT errors
  kConnectorConfig = 5005,
  kSourceNotFound = 5010,
  kSinkNotFound = 5011,
  kAlreadyExists = 5012,
  kSinkAlreadyExists = 5013,
  kConnectorSerde = 5020,
  kConnectorSchema = 5021,
  kExactlyOnceNonReplayable = 5030,
  kExactlyOnceSinkUnsupported = 5031,
  kExactlyOnceNoCheckpoint = 5032,
  kMixedDeliveryCapabilities = 5033,
  // 6xxx checkpoint
  kCheckpointFailed = 6001,
  kCheckpointNotFound = 6002,
  kRecoveryFailed = 6003,
  kSinkRollbackFailed = 6004,
  kWalError = 6005,
  kWalCorruption = 6006,
  kWalFsyncFailed = 6007,
  kManifestPersistFailed = 6008,
  kPruneFailed = 6009,
  kSidecarCorruption = 6010,
  kOffsetMetadataMissing = 6011,
  kCheckpointTooLarge = 6014,
  kSinksPending = 6015,
  kVnodePartial = 6025,
  kGraphRestoreFailed = 6029,
  // 7xxx query execution
  kQueryExecutionFailed = 7001,
  kArrowError = 7002,
  kPlanOptimizationFailed = 7003,
  // 8xxx internal
  kInternal = 8001,
  kPipelineError = 8002,
  kMaterializedViewError = 8003,
  kQueryPipelineError = 8004,
  kBackpressure = 8010,
  kQueueFull = 8011,
  kChannelClosed = 8012,
};

/// The numeric part of the code, e.g. 1001 for `LDB-1001`.
constexpr int ErrorCodeNumber(ErrorCode code) { return static_cast<int>(code); }

}  // namespace laminar
