#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "laminar/laminar.hpp"
#include "slt_runner.h"

namespace laminar::cli::fake {

/// What a fake database persists in its "data directory" (kept in memory by FakeEnvironment and
/// shared by every database opened on the same dir), plus counters tests assert on.
struct FakeDisk {
  struct SourceDef {
    SchemaPtr schema;
    std::vector<RecordBatchPtr> rows;  // everything pushed (durable: "WAL in sync mode")
    int64_t watermark = INT64_MIN;
  };
  struct StreamDef {
    std::string from;  // source or stream it passes rows through from
    std::string sql;
  };
  std::map<std::string, SourceDef> sources;
  std::map<std::string, StreamDef> streams;
  int opens = 0;
  int shutdowns = 0;
  int checkpoints = 0;
  int syncs = 0;
  std::vector<std::string> executed;  // every Execute() text, in order
};

/// A tiny in-memory stand-in for the engine so the CLI is testable without src/db. It
/// understands just enough SQL: CREATE SOURCE name (cols…, WATERMARK …), CREATE STREAM /
/// MATERIALIZED VIEW name AS SELECT … FROM input … (a pass-through of `input`, whatever the
/// select list says), DROP STREAM, INSERT INTO source VALUES …, SELECT * FROM source|stream
/// (all rows ever pushed/emitted) and `FAIL <message>` (always fails with the message).
/// Everything else is an error. Thread-safe (one mutex).
class FakeEnvironment {
 public:
  /// An opener that opens fake databases whose state lives in this environment, keyed by
  /// data dir (an empty data dir gets a private disk).
  DatabaseOpener Opener();
  std::shared_ptr<FakeDisk> Disk(const std::string& data_dir);
  /// Data dirs opened so far, in order.
  std::vector<std::string> opened_dirs() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<FakeDisk>> disks_;
  std::vector<std::string> opened_dirs_;
};

}  // namespace laminar::cli::fake
