#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "columnar/scalar.h"
#include "laminar/laminar.hpp"
#include "storage/file_system.h"

namespace laminar::db::testing {

/// Runs one statement; a failure fails the test with the statement and the error.
inline void Exec(Database& db, const std::string& sql) {
  auto r = db.Execute(sql);
  ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
}

/// Opens (or creates) the durable database in `dir`; nullptr and a test failure on error.
inline std::unique_ptr<Database> OpenOrDie(const std::string& dir) {
  Options o;
  o.data_dir = dir;
  auto db = Database::Open(o);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? std::move(*db) : nullptr;
}

/// The rows of an ad-hoc query in result order, each rendered "a|b|c" (NULL as "NULL").
inline std::vector<std::string> RowsOf(Database& db, const std::string& sql) {
  auto r = db.Execute(sql);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  std::vector<std::string> out;
  if (!r.ok()) return out;
  for (const auto& b : r->batches) {
    for (int64_t i = 0; i < b->num_rows(); ++i) {
      std::string row;
      for (int c = 0; c < b->num_columns(); ++c) {
        if (c) row += "|";
        row += columnar::GetScalar(*b->column(c), i).ToString();
      }
      out.push_back(std::move(row));
    }
  }
  return out;
}

/// The first value of the first row of `sql` as an integer: -1 when the query fails or returns
/// no row, 0 for NULL (a SUM over nothing).
inline int64_t QueryInt64(Database& db, const std::string& sql) {
  auto r = db.Execute(sql);
  if (!r.ok() || r->batches.empty() || r->batches[0]->num_rows() == 0) return -1;
  auto v = columnar::GetScalar(*r->batches[0]->column(0), 0);
  return v.is_null() ? 0 : v.int_value();
}

/// Crash-test child (run by storage::testing::RunKillLoop, killed at a random moment): opens the
/// durable database in `dir`, runs `setup`, then inserts `insert_sql(id)` one statement at a
/// time for id = QueryInt64(count_sql), id + 1, ..., writes each acknowledged id to `fd` and
/// checkpoints every `checkpoint_every` rows. Never returns; the exit code names the step that
/// failed: 3 open, 4 setup, 5 count, 6 insert, 7 pipe, 8 checkpoint.
[[noreturn]] inline void InsertUntilKilled(const std::string& dir, int fd,
                                           std::span<const char* const> setup,
                                           const std::string& count_sql,
                                           const std::function<std::string(int64_t)>& insert_sql,
                                           int64_t checkpoint_every) {
  Options o;
  o.data_dir = dir;
  auto db = Database::Open(o);
  if (!db.ok()) _exit(3);
  for (const char* s : setup) {
    if (!(*db)->Execute(s).ok()) _exit(4);
  }
  int64_t next = QueryInt64(**db, count_sql);
  if (next < 0) _exit(5);
  while (true) {
    if (!(*db)->Execute(insert_sql(next)).ok()) _exit(6);
    if (::write(fd, &next, sizeof(next)) != sizeof(next)) _exit(7);
    ++next;
    if (next % checkpoint_every == 0 && !(*db)->Checkpoint().ok()) _exit(8);
  }
}

/// RowsOf, sorted: for queries whose row order is not defined.
inline std::vector<std::string> Rows(Database& db, const std::string& sql) {
  std::vector<std::string> out = RowsOf(db, sql);
  std::sort(out.begin(), out.end());
  return out;
}

/// Everything `queries` observe: for each, a "-- <query>" line followed by its sorted rows. Two
/// databases that went through the same acknowledged statements must observe the same.
inline std::vector<std::string> Observe(Database& db, std::initializer_list<const char*> queries) {
  std::vector<std::string> all;
  for (const char* q : queries) {
    auto rows = Rows(db, q);
    all.push_back(std::string("-- ") + q);
    all.insert(all.end(), rows.begin(), rows.end());
  }
  return all;
}

/// The newline-terminated lines of a file (a sink's output); an unterminated last line fails
/// the test (a sink must never publish a torn line).
inline std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> out;
  auto text = storage::FileSystem::Default()->ReadFileToString(path);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  if (!text.ok()) return out;
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) {
      ADD_FAILURE() << "unterminated line at byte " << pos;
      break;
    }
    out.push_back(text->substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace laminar::db::testing
