#pragma once

#include <string>

#include "function/aggregate/generic_accumulator.h"

namespace laminar::function::internal {

/// How aggregates read, store, emit and encode values of one physical type. T is the physical
/// C type of a fixed-width column, `std::string` for VARCHAR/VARBINARY, `bool` for BOOLEAN.
template <typename T>
struct ValueTraits {
  using Builder = columnar::FixedWidthBuilder<T>;
  struct Reader {
    const T* values;
    T Get(int64_t i) const { return values[i]; }
  };
  static Reader MakeReader(const columnar::Array& a) { return Reader{a.values<T>()}; }
  static void Append(Builder* b, const T& v) { b->Append(v); }
  static void Put(std::string* out, const T& v) { PutRaw(out, v); }
  static bool Take(std::string_view* in, T* v) { return GetRaw(in, v); }
  static int64_t HeapBytes(const T&) { return 0; }
};

template <>
struct ValueTraits<std::string> {
  using Builder = columnar::BinaryBuilder;
  struct Reader {
    const columnar::Array* array;
    std::string_view Get(int64_t i) const { return array->GetView(i); }
  };
  static Reader MakeReader(const columnar::Array& a) { return Reader{&a}; }
  static void Append(Builder* b, const std::string& v) { b->Append(v); }
  static void Put(std::string* out, const std::string& v) { PutString(out, v); }
  static bool Take(std::string_view* in, std::string* v) { return GetString(in, v); }
  static int64_t HeapBytes(const std::string& v) { return static_cast<int64_t>(v.capacity()); }
};

template <>
struct ValueTraits<bool> {
  using Builder = columnar::BooleanBuilder;
  struct Reader {
    const columnar::Array* array;
    bool Get(int64_t i) const { return array->GetBool(i); }
  };
  static Reader MakeReader(const columnar::Array& a) { return Reader{&a}; }
  static void Append(Builder* b, const bool& v) { b->Append(v); }
  static void Put(std::string* out, const bool& v) { PutRaw<uint8_t>(out, v ? 1 : 0); }
  static bool Take(std::string_view* in, bool* v) {
    uint8_t b = 0;
    if (!GetRaw(in, &b) || b > 1) return false;
    *v = b != 0;
    return true;
  }
  static int64_t HeapBytes(const bool&) { return 0; }
};

/// Calls f.template operator()<T>() with the aggregate value type of `id` (orderable types:
/// numbers, DECIMAL, DATE, TIME, TIMESTAMP, strings, BOOLEAN). False for other types.
template <typename F>
bool VisitOrderable(TypeId id, F&& f) {
  if (id == TypeId::kString || id == TypeId::kBinary) {
    f.template operator()<std::string>();
    return true;
  }
  if (id == TypeId::kBoolean) {
    f.template operator()<bool>();
    return true;
  }
  if (id == TypeId::kInterval) return false;
  return columnar::VisitFixedWidth(id, [&]<typename T>() {
    if constexpr (!std::is_same_v<T, Interval>) f.template operator()<T>();
  });
}

}  // namespace laminar::function::internal
