#include "columnar/record_batch_reader.h"

namespace laminar::columnar {

Result<RecordBatchPtr> VectorRecordBatchReader::Next() {
  if (next_ >= batches_.size()) return RecordBatchPtr{};
  return batches_[next_++];
}

Result<std::vector<RecordBatchPtr>> ReadAll(RecordBatchReader& reader) {
  std::vector<RecordBatchPtr> out;
  while (true) {
    LAMINAR_ASSIGN_OR_RETURN(auto batch, reader.Next());
    if (!batch) return out;
    out.push_back(std::move(batch));
  }
}

}  // namespace laminar::columnar
