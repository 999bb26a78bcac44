// Fuzzes the binary input-batch decoder of the engine's WAL (db/wal_batch_codec.h): any bytes
// must decode to a valid batch or give a Status, never crash, hang or read out of bounds. A
// decoded batch is re-encoded and must decode again to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "columnar/type.h"
#include "db/wal_batch_codec.h"

namespace {

const laminar::columnar::SchemaPtr& FuzzSchema() {
  static const laminar::columnar::SchemaPtr* schema = [] {
    using namespace laminar::columnar;
    std::vector<FieldPtr> f{
        std::make_shared<Field>("id", int64()),
        std::make_shared<Field>("name", utf8()),
        std::make_shared<Field>("ok", boolean()),
        std::make_shared<Field>("ts", timestamp()),
        std::make_shared<Field>("amt", decimal128(12, 2)),
        std::make_shared<Field>("tags", list(int32())),
        std::make_shared<Field>("pt", struct_({std::make_shared<Field>("x", float64()),
                                               std::make_shared<Field>("b", binary())})),
    };
    return new SchemaPtr(std::make_shared<Schema>(f));
  }();
  return *schema;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto batch = laminar::db::DecodeWalBatch(&in, FuzzSchema());
  if (!batch.ok()) return 0;
  if (!(*batch)->Validate().ok()) std::abort();
  std::string again;
  laminar::db::EncodeWalBatch(**batch, &again);
  std::string_view in2 = again;
  auto back = laminar::db::DecodeWalBatch(&in2, FuzzSchema());
  if (!back.ok() || !in2.empty() || (*back)->num_rows() != (*batch)->num_rows()) std::abort();
  std::string third;
  laminar::db::EncodeWalBatch(**back, &third);
  if (third != again) std::abort();
  return 0;
}
