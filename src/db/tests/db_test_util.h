#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <memory>
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
