// The `laminardb` Python module: laminar::Database for Python, rows as dicts.
//
//   import laminardb
//   db = laminardb.open()                       # or open(data_dir="/path")
//   db.execute("CREATE SOURCE t (k VARCHAR, v BIGINT)")
//   db.execute("CREATE STREAM s AS SELECT k, v * 2 AS v2 FROM t WHERE v > 0")
//   sub = db.subscribe("s")
//   db.push("t", [("a", 1), ("b", -1)])        # or {"k": [...], "v": [...]}
//   sub.poll()                                  # [{"k": "a", "v2": 2}]
//
// Errors raise laminardb.LaminarError (message "[LDB-NNNN] ...", attribute `code` = NNNN).
// Threading: the GIL is released while the engine runs, so several Python threads may push.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "columnar/scalar.h"
#include "laminar/laminar.hpp"

namespace py = pybind11;

namespace laminar::python {
namespace {

using columnar::DataTypePtr;
using columnar::RecordBatchPtr;
using columnar::TypeId;

constexpr int64_t kMicrosPerDay = 86'400'000'000;

/// The Python exception type for every engine error.
PyObject* g_error_type = nullptr;

[[noreturn]] void Raise(const Status& st) {
  py::object err = py::reinterpret_borrow<py::object>(g_error_type)(st.ToString());
  err.attr("code") = ErrorCodeNumber(st.error_code());
  PyErr_SetObject(g_error_type, err.ptr());
  throw py::error_already_set();
}

void Check(const Status& st) {
  if (!st.ok()) Raise(st);
}

template <typename T>
T Unwrap(Result<T> r) {
  if (!r.ok()) Raise(r.status());
  return std::move(*r);
}

/// Lazily imported `datetime` objects used for TIMESTAMP / DATE conversion (UTC).
struct DateTimeApi {
  py::object datetime_type, date_type, utc, epoch, epoch_date, timedelta;
  static DateTimeApi& Get() {
    static DateTimeApi* api = [] {
      auto* a = new DateTimeApi();
      py::module_ dt = py::module_::import("datetime");
      a->datetime_type = dt.attr("datetime");
      a->date_type = dt.attr("date");
      a->utc = dt.attr("timezone").attr("utc");
      a->timedelta = dt.attr("timedelta");
      a->epoch = a->datetime_type(1970, 1, 1, py::arg("tzinfo") = a->utc);
      a->epoch_date = a->date_type(1970, 1, 1);
      return a;
    }();
    return *api;
  }
};

int64_t TimedeltaMicros(const py::handle& td) {
  return td.attr("days").cast<int64_t>() * kMicrosPerDay +
         td.attr("seconds").cast<int64_t>() * 1'000'000 + td.attr("microseconds").cast<int64_t>();
}

/// One engine value as a Python object.
py::object ToPython(const columnar::Array& array, int64_t row) {
  if (array.IsNull(row)) return py::none();
  Scalar v = columnar::GetScalar(array, row);
  switch (array.type()->id()) {
    case TypeId::kBoolean:
      return py::bool_(v.bool_value());
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
      return py::int_(v.int_value());
    case TypeId::kFloat32:
    case TypeId::kFloat64:
      return py::float_(v.double_value());
    case TypeId::kString:
      return py::str(v.string_value());
    case TypeId::kBinary:
      return py::bytes(v.string_value());
    case TypeId::kTimestamp: {
      auto& api = DateTimeApi::Get();
      return api.epoch + api.timedelta(py::arg("microseconds") = v.int_value());
    }
    case TypeId::kDate32: {
      auto& api = DateTimeApi::Get();
      return api.epoch_date + api.timedelta(py::arg("days") = v.int_value());
    }
    default:
      return py::str(v.ToString());  // DECIMAL, TIME, INTERVAL, LIST, STRUCT: SQL text
  }
}

py::list BatchesToDicts(const std::vector<RecordBatchPtr>& batches) {
  py::list rows;
  for (const auto& b : batches) {
    std::vector<py::str> names;
    for (const auto& f : b->schema()->fields()) names.emplace_back(f->name);
    for (int64_t r = 0; r < b->num_rows(); ++r) {
      py::dict row;
      for (int c = 0; c < b->num_columns(); ++c) {
        row[names[static_cast<size_t>(c)]] = ToPython(*b->column(c), r);
      }
      rows.append(std::move(row));
    }
  }
  return rows;
}

/// A Python value as a Scalar for a column of `type` (the engine converts it further).
Scalar FromPython(const py::handle& v, const DataTypePtr& type) {
  if (v.is_none()) return Scalar::Null(type);
  if (py::isinstance<py::bool_>(v)) return Scalar::Boolean(v.cast<bool>());
  if (py::isinstance<py::int_>(v)) return Scalar::Int64(v.cast<int64_t>());
  if (py::isinstance<py::float_>(v)) return Scalar::Float64(v.cast<double>());
  if (py::isinstance<py::str>(v)) return Scalar::String(v.cast<std::string>());
  if (py::isinstance<py::bytes>(v)) {
    return Scalar(columnar::binary(), v.cast<std::string>());
  }
  auto& api = DateTimeApi::Get();
  if (py::isinstance(v, api.datetime_type)) {
    py::object dt = py::reinterpret_borrow<py::object>(v);
    if (dt.attr("tzinfo").is_none()) dt = dt.attr("replace")(py::arg("tzinfo") = api.utc);
    return Scalar::Timestamp(TimedeltaMicros(dt - api.epoch));
  }
  if (py::isinstance(v, api.date_type)) {
    py::object d = py::reinterpret_borrow<py::object>(v);
    return Scalar::Date(static_cast<int32_t>((d - api.epoch_date).attr("days").cast<int64_t>()));
  }
  throw py::type_error("cannot convert a value of type " +
                       std::string(py::str(v.get_type().attr("__name__"))) +
                       " for a column of type " + type->ToString());
}

py::object ResultToPython(const ExecuteResult& r) {
  if (r.kind == ExecuteResult::Kind::kQuery || r.kind == ExecuteResult::Kind::kMetadata) {
    return BatchesToDicts(r.batches);
  }
  py::dict summary;
  summary["statement_type"] = r.statement_type;
  summary["object_name"] = r.object_name;
  if (r.kind == ExecuteResult::Kind::kRowsAffected) summary["rows_affected"] = r.rows_affected;
  return summary;
}

/// `laminardb.Subscription`.
class PySubscription {
 public:
  explicit PySubscription(std::shared_ptr<Subscription> sub) : sub_(std::move(sub)) {}

  py::list Poll() {
    std::vector<RecordBatchPtr> batches;
    {
      py::gil_scoped_release release;
      batches = sub_->Poll();
    }
    return BatchesToDicts(batches);
  }

  /// Rows of the next batch, waiting up to timeout_ms; None on timeout.
  py::object Next(int64_t timeout_ms) {
    Result<RecordBatchPtr> r = Status::Internal("unset");
    {
      py::gil_scoped_release release;
      r = sub_->Next(std::chrono::milliseconds(timeout_ms));
    }
    RecordBatchPtr batch = Unwrap(std::move(r));
    if (!batch) return py::none();
    return BatchesToDicts({batch});
  }

  void Cancel() { sub_->Cancel(); }
  std::string Name() const { return sub_->name(); }
  py::list Schema() const {
    py::list out;
    for (const auto& f : sub_->schema()->fields()) {
      out.append(py::make_tuple(f->name, f->type->ToString()));
    }
    return out;
  }

 private:
  std::shared_ptr<Subscription> sub_;
};

/// `laminardb.Database`.
class PyDatabase {
 public:
  explicit PyDatabase(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  Database& db() {
    if (!db_) Raise(Status::Cancelled("Database is shut down"));
    return *db_;
  }

  py::object Execute(const std::string& sql) {
    Result<ExecuteResult> r = Status::Internal("unset");
    Database& d = db();
    {
      py::gil_scoped_release release;
      r = d.Execute(sql);
    }
    return ResultToPython(Unwrap(std::move(r)));
  }

  py::object Query(const std::string& sql) {
    Result<ExecuteResult> r = Status::Internal("unset");
    Database& d = db();
    {
      py::gil_scoped_release release;
      r = d.Query(sql);
    }
    return ResultToPython(Unwrap(std::move(r)));
  }

  /// Rows as a sequence of tuples/lists (by position), or columns as a dict name → sequence.
  int64_t Push(const std::string& source, const py::object& data) {
    auto handle = Unwrap(db().Source(source));
    const auto& schema = handle->schema();
    const int width = schema->num_fields();
    std::vector<std::vector<Scalar>> rows;
    if (py::isinstance<py::dict>(data)) {
      auto columns = data.cast<py::dict>();
      std::vector<py::sequence> cols;
      size_t n = 0;
      for (int c = 0; c < width; ++c) {
        const auto& name = schema->field(c)->name;
        if (!columns.contains(name)) {
          Raise(Status::Invalid(
              "column '" + name + "' of source '" + source + "' is missing from the dict",
              ErrorCode::kSchemaMismatch));
        }
        cols.push_back(columns[py::str(name)].cast<py::sequence>());
        if (c == 0) n = py::len(cols.back());
        if (py::len(cols.back()) != n) {
          Raise(Status::Invalid("columns of the dict have different lengths",
                                ErrorCode::kSchemaMismatch));
        }
      }
      if (py::len(columns) != static_cast<size_t>(width)) {
        Raise(Status::Invalid("the dict has columns that source '" + source + "' does not have",
                              ErrorCode::kSchemaMismatch));
      }
      rows.resize(n);
      for (size_t r = 0; r < n; ++r) {
        rows[r].reserve(static_cast<size_t>(width));
        for (int c = 0; c < width; ++c) {
          rows[r].push_back(FromPython(cols[static_cast<size_t>(c)][r], schema->field(c)->type));
        }
      }
    } else {
      for (const auto& item : data.cast<py::sequence>()) {
        auto values = item.cast<py::sequence>();
        if (static_cast<int>(py::len(values)) != width) {
          Raise(Status::Invalid("row has " + std::to_string(py::len(values)) +
                                    " values but source '" + source + "' has " +
                                    std::to_string(width) + " columns",
                                ErrorCode::kSchemaMismatch));
        }
        std::vector<Scalar> row;
        row.reserve(static_cast<size_t>(width));
        for (int c = 0; c < width; ++c)
          row.push_back(FromPython(values[c], schema->field(c)->type));
        rows.push_back(std::move(row));
      }
    }
    if (rows.empty()) return 0;
    Status st;
    {
      py::gil_scoped_release release;
      st = handle->PushRows(rows);
    }
    Check(st);
    return static_cast<int64_t>(rows.size());
  }

  void AdvanceWatermark(const std::string& source, const py::object& ts) {
    int64_t micros = py::isinstance<py::int_>(ts)
                         ? ts.cast<int64_t>()
                         : FromPython(ts, columnar::timestamp()).int_value();
    auto handle = Unwrap(db().Source(source));
    Check(handle->AdvanceWatermark(micros));
  }

  PySubscription Subscribe(const std::string& name) {
    return PySubscription(Unwrap(db().Subscribe(name)));
  }

  py::dict CheckpointNow() {
    Result<CheckpointResult> r = Status::Internal("unset");
    Database& d = db();
    {
      py::gil_scoped_release release;
      r = d.Checkpoint();
    }
    CheckpointResult c = Unwrap(std::move(r));
    py::dict out;
    out["success"] = c.success;
    out["checkpoint_id"] = c.checkpoint_id;
    out["epoch"] = c.epoch;
    out["duration_us"] = c.duration.count();
    return out;
  }

  void Sync() {
    Database& d = db();
    Status st;
    {
      py::gil_scoped_release release;
      st = d.Sync();
    }
    Check(st);
  }

  py::dict Metrics() {
    PipelineMetrics m = db().metrics();
    py::dict out;
    out["total_events_ingested"] = m.total_events_ingested;
    out["total_events_emitted"] = m.total_events_emitted;
    out["total_events_dropped"] = m.total_events_dropped;
    out["total_batches"] = m.total_batches;
    out["state"] = PipelineStateName(m.state);
    out["source_count"] = m.source_count;
    out["stream_count"] = m.stream_count;
    out["pipeline_watermark"] = m.pipeline_watermark;
    out["total_events_future"] = m.total_events_future;
    out["total_events_shed"] = m.total_events_shed;
    out["total_events_rejected"] = m.total_events_rejected;
    out["state_bytes"] = m.state_bytes;
    return out;
  }

  /// One dict per source: counters, input-queue state and watermark.
  py::list SourceMetricsList() {
    std::vector<SourceMetrics> all;
    {
      py::gil_scoped_release release;
      all = db().source_metrics();
    }
    py::list out;
    for (const auto& m : all) {
      py::dict d;
      d["name"] = m.name;
      d["total_events"] = m.total_events;
      d["late_events"] = m.late_events;
      d["pending"] = m.pending;
      d["capacity"] = m.capacity;
      d["is_backpressured"] = m.is_backpressured;
      d["utilization"] = m.utilization;
      d["watermark"] = m.watermark;
      d["future_events"] = m.future_events;
      d["shed_events"] = m.shed_events;
      d["rejected_events"] = m.rejected_events;
      d["blocked_pushes"] = m.blocked_pushes;
      d["is_idle"] = m.is_idle;
      d["queued"] = m.queued;
      d["backpressure"] = std::string(m.backpressure);
      out.append(d);
    }
    return out;
  }

  void Close() {
    if (!db_) return;
    Status st;
    {
      py::gil_scoped_release release;
      st = db_->Shutdown();
    }
    db_.reset();
    Check(st);
  }

  bool closed() const { return !db_; }

 private:
  std::unique_ptr<Database> db_;
};

PyDatabase Open(const py::object& data_dir, const py::object& buffer_size,
                const py::object& backpressure, const py::object& ingest,
                const py::object& max_future_skew_ms, const py::object& source_idle_timeout_ms,
                const py::object& config_vars) {
  Options options;
  if (!data_dir.is_none()) options.data_dir = py::str(data_dir).cast<std::string>();
  auto fail = [](const std::string& what) {
    Check(Status::Invalid("laminardb.open: " + what, ErrorCode::kInvalidConfig));
  };
  if (!buffer_size.is_none()) {
    int64_t n = buffer_size.cast<int64_t>();
    if (n < 4 || n > 1048576) fail("buffer_size must be in 4..=1048576, got " + std::to_string(n));
    options.buffer_size = static_cast<size_t>(n);
  }
  if (!backpressure.is_none()) {
    std::string b = py::str(backpressure).cast<std::string>();
    if (b == "block") {
      options.backpressure = BackpressurePolicy::kBlock;
    } else if (b == "drop_oldest") {
      options.backpressure = BackpressurePolicy::kDropOldest;
    } else if (b == "reject") {
      options.backpressure = BackpressurePolicy::kReject;
    } else {
      fail("backpressure must be 'block', 'drop_oldest' or 'reject', got '" + b + "'");
    }
  }
  if (!ingest.is_none()) {
    std::string m = py::str(ingest).cast<std::string>();
    if (m == "inline") {
      options.ingest_mode = IngestMode::kInline;
    } else if (m == "queued") {
      options.ingest_mode = IngestMode::kQueued;
    } else {
      fail("ingest must be 'inline' or 'queued', got '" + m + "'");
    }
  }
  if (!max_future_skew_ms.is_none()) {
    options.max_future_skew = std::chrono::milliseconds(max_future_skew_ms.cast<int64_t>());
  }
  if (!source_idle_timeout_ms.is_none()) {
    options.source_idle_timeout = std::chrono::milliseconds(source_idle_timeout_ms.cast<int64_t>());
  }
  if (!config_vars.is_none()) {
    for (const auto& [k, v] : config_vars.cast<py::dict>()) {
      options.config_vars[py::str(k).cast<std::string>()] = py::str(v).cast<std::string>();
    }
  }
  Result<std::unique_ptr<Database>> r = Status::Internal("unset");
  {
    py::gil_scoped_release release;
    r = Database::Open(std::move(options));
  }
  return PyDatabase(Unwrap(std::move(r)));
}

}  // namespace
}  // namespace laminar::python

PYBIND11_MODULE(laminardb, m) {
  using namespace laminar::python;
  m.doc() = "LaminarDB: an embedded streaming SQL database (\"SQLite for streams\").";
  m.attr("__version__") = LAMINAR_VERSION_STRING;
  static py::exception<std::runtime_error> error(m, "LaminarError");
  g_error_type = error.ptr();

  py::class_<PySubscription>(m, "Subscription")
      .def("poll", &PySubscription::Poll, "Rows emitted since the last poll (non-blocking).")
      .def("next", &PySubscription::Next, py::arg("timeout_ms") = 1000,
           "Rows of the next batch, waiting up to timeout_ms; None on timeout.")
      .def("cancel", &PySubscription::Cancel)
      .def_property_readonly("name", &PySubscription::Name)
      .def_property_readonly("schema", &PySubscription::Schema,
                             "[(column name, SQL type)] of the rows.");

  py::class_<PyDatabase>(m, "Database")
      .def("execute", &PyDatabase::Execute, py::arg("sql"),
           "Runs ';'-separated statements; returns rows (list of dicts) for a query, else a "
           "summary dict (statement_type, object_name[, rows_affected]).")
      .def("query", &PyDatabase::Query, py::arg("sql"))
      .def("push", &PyDatabase::Push, py::arg("source"), py::arg("rows"),
           "Pushes rows (sequence of tuples, by position) or columns (dict name -> sequence); "
           "returns the number of rows.")
      .def("advance_watermark", &PyDatabase::AdvanceWatermark, py::arg("source"),
           py::arg("timestamp"), "Watermark as µs since the epoch (int) or a datetime.")
      .def("subscribe", &PyDatabase::Subscribe, py::arg("name"))
      .def("checkpoint", &PyDatabase::CheckpointNow)
      .def("sync", &PyDatabase::Sync)
      .def("metrics", &PyDatabase::Metrics)
      .def("source_metrics", &PyDatabase::SourceMetricsList,
           "Per-source dicts: events, input queue (pending, capacity, is_backpressured, "
           "shed/rejected counts), watermark, idle state.")
      .def("close", &PyDatabase::Close)
      .def_property_readonly("closed", &PyDatabase::closed)
      .def(
          "__enter__", [](PyDatabase& self) -> PyDatabase& { return self; },
          py::return_value_policy::reference)
      .def("__exit__", [](PyDatabase& self, py::args) { self.Close(); });

  m.def("open", &Open, py::arg("data_dir") = py::none(), py::kw_only(),
        py::arg("buffer_size") = py::none(), py::arg("backpressure") = py::none(),
        py::arg("ingest") = py::none(), py::arg("max_future_skew_ms") = py::none(),
        py::arg("source_idle_timeout_ms") = py::none(), py::arg("config_vars") = py::none(),
        "Opens a database; data_dir=None keeps everything in memory. Keyword options: "
        "buffer_size (rows per source queue), backpressure ('block'|'drop_oldest'|'reject'), "
        "ingest ('inline'|'queued'), max_future_skew_ms (0 disables), "
        "source_idle_timeout_ms (0 disables), config_vars (dict: values for ${NAME} in "
        "connector and WITH options; the environment is the fallback).");
}
