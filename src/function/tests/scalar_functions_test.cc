#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "common/time_util.h"
#include "function/scalar/kernel_util.h"
#include "function/scalar/timestamp_text.h"
#include "function/tests/test_util.h"
#include "function/unnest.h"

namespace laminar::function {
namespace {

using namespace test_util;  // NOLINT
using ::testing::HasSubstr;
using Strings = std::vector<std::string>;

/// Code points counted one byte at a time (the definition Utf8Length must match).
int64_t Utf8LengthByBytes(std::string_view s) {
  int64_t count = 0;
  for (unsigned char c : s) count += (c & 0xC0) != 0x80;
  return count;
}

// The multiply-shift divider equals the hardware divide for every non-negative dividend: edge
// divisors (1, powers of two and their neighbours, INT64_MAX) and random ones, against edge and
// random dividends.
TEST(Arithmetic, PositiveDivisorMatchesHardwareDivide) {
  std::mt19937_64 rng(11);
  std::vector<int64_t> divisors = {1, 2, 3, 5, 7, 10, 123, 1000, 10007, INT64_MAX, INT64_MAX - 1};
  for (int k = 2; k < 63; ++k) {
    for (int64_t delta : {-1, 0, 1}) divisors.push_back((int64_t{1} << k) + delta);
  }
  for (int i = 0; i < 200; ++i) {
    divisors.push_back(static_cast<int64_t>(rng() >> (1 + rng() % 63)) | 1);
  }
  std::vector<int64_t> values = {0, 1, 2, 122, 123, 124, INT64_MAX, INT64_MAX - 1, 1LL << 62};
  for (int i = 0; i < 500; ++i) values.push_back(static_cast<int64_t>(rng() >> (1 + rng() % 63)));
  for (int64_t d : divisors) {
    ASSERT_GT(d, 0);
    const internal::PositiveDivisor div(d);
    // The divisor's neighbours and the last values below multiples of it (no overflow).
    for (int64_t v : {d - 1, d, d < INT64_MAX ? d + 1 : d, 2 * (d / 2), 3 * (d / 3) - 1}) {
      if (v >= 0) values.push_back(v);
    }
    for (int64_t v : values) {
      ASSERT_EQ(div.Quotient(v), v / d) << v << " / " << d;
      ASSERT_EQ(div.Remainder(v), v % d) << v << " % " << d;
    }
    values.resize(509);  // drop this divisor's neighbours again
  }
}

// Column % and / by a constant take the multiply-shift path for non-negative values and keep
// C++ truncation for negative ones; division by zero still fails.
TEST(Arithmetic, ColumnDivisionByConstant) {
  auto b = Batch("x BIGINT", "0; 122; 123; 247; -1; -124; NULL; 9223372036854775807");
  EXPECT_EQ(*EvalStrings(C("modulo", {Col(b, "x"), I(123)}), *b),
            (Strings{"0", "122", "0", "1", "-1", "-1", "NULL", "7"}));
  EXPECT_EQ(*EvalStrings(C("divide", {Col(b, "x"), I(123)}), *b),
            (Strings{"0", "0", "1", "2", "0", "-1", "NULL", "74986764527274600"}));
  EXPECT_FALSE(EvalStrings(C("modulo", {Col(b, "x"), I(0)}), *b).ok());
}

TEST(StringFunctions, Utf8LengthMatchesByteScan) {
  EXPECT_EQ(internal::Utf8Length(""), 0);
  EXPECT_EQ(internal::Utf8Length("abcdefgh"), 8);
  EXPECT_EQ(internal::Utf8Length("abcdefghé"), 9);
  EXPECT_EQ(internal::Utf8Length("ééééé"), 5);             // 10 bytes: one word plus a tail
  EXPECT_EQ(internal::Utf8Length("日本語のテキスト"), 8);  // 3-byte sequences across words
  EXPECT_EQ(internal::Utf8Length("\xF0\x9F\x98\x80x"), 2);
  // Every length 0..40 with random bytes (valid or not) at every alignment.
  std::mt19937 rng(7);
  const char alphabet[] = {'a',    'Z',    '\x80', '\xBF', '\xC3',
                           '\xA9', '\xE6', '\xF0', '\xFF', '\x7F'};
  for (int len = 0; len <= 40; ++len) {
    for (int round = 0; round < 50; ++round) {
      std::string s;
      for (int i = 0; i < len; ++i) s.push_back(alphabet[rng() % sizeof(alphabet)]);
      for (size_t start = 0; start <= std::min<size_t>(s.size(), 7); ++start) {
        std::string_view v = std::string_view(s).substr(start);
        ASSERT_EQ(internal::Utf8Length(v), Utf8LengthByBytes(v)) << len << " " << start;
      }
    }
  }
}

/// SPLIT_PART by a plain split into fields (the definition SplitFieldByByte must match).
std::string SplitFieldReference(const std::string& s, char d, int64_t k) {
  std::vector<std::string> fields(1);
  for (char c : s) {
    if (c == d) {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return k <= static_cast<int64_t>(fields.size()) ? fields[static_cast<size_t>(k - 1)] : "";
}

TEST(StringFunctions, SplitFieldByByteMatchesReference) {
  EXPECT_EQ(internal::SplitFieldByByte("https://www.nexmark.com/abc/def/item.htm", '/', 4), "abc");
  EXPECT_EQ(internal::SplitFieldByByte("a/b", '/', 3), "");
  EXPECT_EQ(internal::SplitFieldByByte("", '/', 1), "");
  EXPECT_EQ(internal::SplitFieldByByte("abc", '/', 1), "abc");
  EXPECT_EQ(internal::SplitFieldByByte(std::string_view("a\0b", 3), '\0', 2), "b");
  std::mt19937 rng(5);
  const char alphabet[] = {'a', '/', 'b', '\x80', '\xAF', '\0'};
  for (int len = 0; len <= 40; ++len) {
    for (int round = 0; round < 40; ++round) {
      std::string s;
      for (int i = 0; i < len; ++i) s.push_back(alphabet[rng() % sizeof(alphabet)]);
      for (char d : {'/', '\0', '\xAF'}) {
        for (int64_t k = 1; k <= 12; ++k) {
          ASSERT_EQ(internal::SplitFieldByByte(s, d, k), SplitFieldReference(s, d, k))
              << len << " " << k;
        }
      }
    }
  }
}

TEST(CastFunctions, TimestampTextMatchesFormatTimestamp) {
  auto check = [](int64_t micros) {
    char buf[internal::kMaxTimestampTextSize];
    std::string_view got(buf, internal::WriteTimestampText(micros, buf));
    ASSERT_EQ(got, FormatTimestamp(micros)) << micros;
  };
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01 00:00:00");
  check(0);
  check(-1);
  check(1);
  check(1704067201500000);                        // .5
  check(951782400000000 + 123);                   // 2000-02-29 (leap), .000123
  check(-2208988800000000 - 86400000000LL * 59);  // 1899-11-03
  check(-62135596800000000);                      // 0001-01-01
  check(-62135596800000000 - 1);                  // year 0
  check(-62198755200000000 - 86400000000LL);      // year -1
  check(-290000LL * 365 * 86400000000LL);         // about year -288000
  check(253402300799999999);                      // 9999-12-31 23:59:59.999999
  check(253402300800000000);                      // year 10000
  check(std::numeric_limits<int64_t>::max());     // about year 294247
  check(std::numeric_limits<int64_t>::min());     // about year -290308
  // Every day of 1896..2104 (leap years, century rules) at varying times of day.
  std::mt19937_64 rng(11);
  for (int64_t d = -27000; d <= 49000; ++d) {
    check(d * kMicrosPerDay + static_cast<int64_t>(rng() % static_cast<uint64_t>(kMicrosPerDay)));
  }
  // Fractions with every number of trailing zeros, both signs.
  for (int64_t f = 1; f < kMicrosPerSecond; f *= 10) {
    for (int64_t m : {f, 7 * f, 123456 % (10 * f) + f}) {
      check(1700000000000000 + m);
      check(-1700000000000000 - m);
    }
  }
  for (int i = 0; i < 200000; ++i) check(static_cast<int64_t>(rng()) >> (rng() % 20));
}

TEST(StringFunctions, Basics) {
  EXPECT_EQ(Const(C("length", {S("héllo")})), "5");
  EXPECT_EQ(Const(C("octet_length", {S("héllo")})), "6");
  EXPECT_EQ(Const(C("upper", {S("abc")})), "ABC");
  EXPECT_EQ(Const(C("trim", {S("  x  ")})), "x");
  EXPECT_EQ(Const(C("ltrim", {S("xxaxx"), S("x")})), "axx");
  EXPECT_EQ(Const(C("substring", {S("héllo"), I(2), I(3)})), "éll");
  EXPECT_EQ(Const(C("substr", {S("hello"), I(0), I(2)})), "h");
  EXPECT_EQ(Const(C("replace", {S("aXbX"), S("X"), S("--")})), "a--b--");
  EXPECT_EQ(Const(C("concat", {S("a"), Null(columnar::utf8()), I(1)})), "a1");
  EXPECT_EQ(Const(C("concat_op", {S("a"), Null(columnar::utf8())})), "NULL");
  EXPECT_EQ(Const(C("concat_ws", {S(","), S("a"), Null(columnar::utf8()), S("b")})), "a,b");
  EXPECT_EQ(Const(C("split_part", {S("a,b,c"), S(","), I(2)})), "b");
  EXPECT_EQ(Const(C("strpos", {S("héllo"), S("l")})), "3");
  EXPECT_EQ(Const(C("starts_with", {S("hello"), S("he")})), "true");
  EXPECT_EQ(Const(C("lpad", {S("7"), I(3), S("0")})), "007");
  EXPECT_EQ(Const(C("rpad", {S("ab"), I(5)})), "ab   ");
  EXPECT_EQ(Const(C("md5", {S("abc")})), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Const(C("md5", {S("")})), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Const(C("reverse", {S("héllo")})), "olléh");
  EXPECT_EQ(Const(C("initcap", {S("hello wORLD")})), "Hello World");
  EXPECT_EQ(Const(C("left", {S("hello"), I(-2)})), "hel");
  EXPECT_EQ(Const(C("right", {S("hello"), I(2)})), "lo");
  EXPECT_EQ(Const(C("repeat", {S("ab"), I(3)})), "ababab");
  EXPECT_EQ(Const(C("ascii", {S("A")})), "65");
  EXPECT_EQ(Const(C("chr", {I(233)})), "é");
  EXPECT_EQ(Const(C("string_to_array", {S("a,b"), S(",")})), "[a, b]");
}

TEST(StringFunctions, Regex) {
  EXPECT_EQ(Const(C("regexp_like", {S("abc123"), S("[0-9]+")})), "true");
  EXPECT_EQ(Const(C("regexp_replace", {S("a1b22"), S("[0-9]+"), S("#")})), "a#b#");
  EXPECT_EQ(Const(C("regexp_extract", {S("key=val"), S("(\\w+)=(\\w+)"), I(2)})), "val");
  EXPECT_EQ(Const(C("regexp_match", {S("key=val"), S("(\\w+)=(\\w+)")})), "[key, val]");
  auto b = Batch("s VARCHAR", "'x'");
  auto bad = CompiledExpression::Compile(C("regexp_like", {Col(b, "s"), S("(")}));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("invalid regular expression '('"));
}

TEST(MathFunctions, Basics) {
  EXPECT_EQ(Const(C("abs", {I(-3)})), "3");
  EXPECT_EQ(Const(C("round", {D(2.567), I(2)})), "2.57");
  EXPECT_EQ(Const(C("round", {Literal(Scalar::Decimal(12345, 10, 2))})), "123");
  EXPECT_EQ(Const(C("floor", {D(-1.5)})), "-2");
  EXPECT_EQ(Const(C("ceil", {D(1.2)})), "2");
  EXPECT_EQ(Const(C("power", {I(2), I(10)})), "1024");
  EXPECT_EQ(Const(C("sqrt", {I(16)})), "4");
  EXPECT_EQ(Const(C("log", {I(100)})), "2");
  EXPECT_EQ(Const(C("log", {I(2), I(8)})), "3");
  EXPECT_EQ(Const(C("sign", {I(-9)})), "-1");
  EXPECT_EQ(Const(C("mod", {I(7), I(3)})), "1");
  EXPECT_EQ(Const(C("greatest", {I(1), Null(columnar::int64()), I(5)})), "5");
  EXPECT_EQ(Const(C("least", {D(1.5), I(0)})), "0");
  EXPECT_EQ(Const(C("nullif", {I(1), I(1)})), "NULL");
  EXPECT_EQ(Const(C("nullif", {I(1), I(2)})), "1");
  EXPECT_THAT(Const(C("sqrt", {I(-1)})), HasSubstr("out of its domain"));
  // IF is lazy like CASE.
  auto b = Batch("x BIGINT", "0; 5");
  EXPECT_EQ(
      *EvalStrings(
          C("if", {C("eq", {Col(b, "x"), I(0)}), I(-1), C("divide", {I(10), Col(b, "x")})}), *b),
      (Strings{"-1", "2"}));
}

TEST(DatetimeFunctions, Basics) {
  auto ts = Ts("2024-03-15 13:45:30.25");
  EXPECT_EQ(Const(C("date_trunc", {S("hour"), ts})), "2024-03-15 13:00:00");
  EXPECT_EQ(Const(C("date_trunc", {S("month"), ts})), "2024-03-01 00:00:00");
  EXPECT_EQ(Const(C("date_trunc", {S("week"), ts})), "2024-03-11 00:00:00");
  EXPECT_EQ(Const(C("date_part", {S("year"), ts})), "2024");
  EXPECT_EQ(Const(C("date_part", {S("second"), ts})), "30.25");
  EXPECT_EQ(Const(C("date_part", {S("dow"), ts})), "5");
  EXPECT_EQ(Const(C("to_timestamp", {D(1.5)})), "1970-01-01 00:00:01.5");
  EXPECT_EQ(Const(C("to_timestamp", {S("2024-01-02 03:04:05")})), "2024-01-02 03:04:05");
  EXPECT_EQ(Const(C("to_timestamp", {S("02/01/2024 03:04"), S("%d/%m/%Y %H:%M")})),
            "2024-01-02 03:04:00");
  EXPECT_EQ(Const(C("to_timestamp_millis", {I(1500)})), "1970-01-01 00:00:01.5");
  EXPECT_EQ(Const(C("epoch", {Ts("1970-01-01 00:01:00")})), "60");
  EXPECT_EQ(Const(C("epoch_ms", {Ts("1970-01-01 00:00:01")})), "1000");
  EXPECT_EQ(Const(C("make_date", {I(2024), I(2), I(29)})), "2024-02-29");
  EXPECT_THAT(Const(C("date_trunc", {S("fortnight"), ts})), HasSubstr("unknown date/time unit"));
}

// Literal unit/delimiter over a column takes the per-batch fast path; a unit column is parsed per
// row. Both must agree, keep NULL rows NULL and report bad units only when a row is valid.
TEST(DatetimeFunctions, LiteralUnitOverColumn) {
  auto b = Batch("ts TIMESTAMP, u VARCHAR",
                 "'2024-03-15 13:45:30.25', 'HOUR'; NULL, 'hour'; '1969-12-31 23:59:59', 'hours'");
  auto ts = Col(b, "ts");
  EXPECT_EQ(*EvalStrings(C("date_part", {S("Hour"), ts}), *b), (Strings{"13", "NULL", "23"}));
  EXPECT_EQ(*EvalStrings(C("date_part", {Col(b, "u"), ts}), *b), (Strings{"13", "NULL", "23"}));
  EXPECT_EQ(*EvalStrings(C("date_part", {S("minute"), ts}), *b), (Strings{"45", "NULL", "59"}));
  EXPECT_EQ(*EvalStrings(C("date_part", {S("year"), ts}), *b), (Strings{"2024", "NULL", "1969"}));
  EXPECT_EQ(*EvalStrings(C("date_trunc", {S("minute"), ts}), *b),
            (Strings{"2024-03-15 13:45:00", "NULL", "1969-12-31 23:59:00"}));
  EXPECT_EQ(*EvalStrings(C("date_trunc", {S("month"), ts}), *b),
            (Strings{"2024-03-01 00:00:00", "NULL", "1969-12-01 00:00:00"}));
  EXPECT_EQ(*EvalStrings(C("date_trunc", {Col(b, "u"), ts}), *b),
            (Strings{"2024-03-15 13:00:00", "NULL", "1969-12-31 23:00:00"}));
  EXPECT_EQ(*EvalStrings(C("date_trunc", {Null(columnar::utf8()), ts}), *b),
            (Strings{"NULL", "NULL", "NULL"}));
  auto bad = EvalStrings(C("date_part", {S("fortnight"), ts}), *b);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().ToString(), HasSubstr("unknown date/time unit"));
  auto bad_trunc = EvalStrings(C("date_trunc", {S("century"), ts}), *b);
  ASSERT_FALSE(bad_trunc.ok());
  EXPECT_THAT(bad_trunc.status().ToString(), HasSubstr("does not support unit 'century'"));
  auto nulls = Batch("ts TIMESTAMP", "NULL; NULL");
  EXPECT_EQ(*EvalStrings(C("date_part", {S("fortnight"), Col(nulls, "ts")}), *nulls),
            (Strings{"NULL", "NULL"}));
}

TEST(StringFunctions, SplitPartOverColumn) {
  auto b = Batch("s VARCHAR, d VARCHAR",
                 "'https://x.com/a/b', '/'; NULL, '/'; 'a::b::c', '::'; 'abc', '/'; '', '/'");
  auto s = Col(b, "s");
  EXPECT_EQ(*EvalStrings(C("split_part", {s, S("/"), I(4)}), *b),
            (Strings{"a", "NULL", "", "", ""}));
  EXPECT_EQ(*EvalStrings(C("split_part", {s, S("/"), I(-1)}), *b),
            (Strings{"b", "NULL", "a::b::c", "abc", ""}));
  EXPECT_EQ(*EvalStrings(C("split_part", {s, S("::"), I(2)}), *b),
            (Strings{"", "NULL", "b", "", ""}));
  EXPECT_EQ(*EvalStrings(C("split_part", {s, S("::"), I(-3)}), *b),
            (Strings{"", "NULL", "a", "", ""}));
  EXPECT_EQ(*EvalStrings(C("split_part", {s, Col(b, "d"), I(-2)}), *b),
            (Strings{"a", "NULL", "b", "", ""}));
  EXPECT_EQ(*EvalStrings(C("split_part", {s, S(""), I(1)}), *b),
            (Strings{"https://x.com/a/b", "NULL", "a::b::c", "abc", ""}));
  auto zero = EvalStrings(C("split_part", {s, S("/"), I(0)}), *b);
  ASSERT_FALSE(zero.ok());
  EXPECT_THAT(zero.status().ToString(), HasSubstr("must not be zero"));
}

TEST(JsonFunctions, Basics) {
  auto j = S(R"({"a": {"b": [10, "x", null]}, "s": "hi", "n": 1.5})");
  EXPECT_EQ(Const(C("json_get", {j, S("a")})), R"({"b":[10,"x",null]})");
  EXPECT_EQ(Const(C("json_get_text", {j, S("s")})), "hi");
  EXPECT_EQ(Const(C("json_get", {S("[1,2,3]"), I(1)})), "2");
  EXPECT_EQ(Const(C("json_extract", {j, S("$.a.b[1]")})), "\"x\"");
  EXPECT_EQ(Const(C("json_extract_scalar", {j, S("$.a.b[0]")})), "10");
  EXPECT_EQ(Const(C("json_value", {j, S("$.a.b[2]")})), "NULL");
  EXPECT_EQ(Const(C("json_typeof", {j})), "object");
  EXPECT_EQ(Const(C("json_array_length", {j, S("$.a.b")})), "3");
  EXPECT_EQ(Const(C("json_get", {S("{not json"), S("a")})), "NULL");
  EXPECT_EQ(Const(C("json_get", {j, S("missing")})), "NULL");
}

TEST(ArrayFunctions, BasicsAndUnnest) {
  auto arr = C("make_array", {I(1), I(2), I(3)});
  EXPECT_EQ(Const(arr), "[1, 2, 3]");
  EXPECT_EQ(Const(C("cardinality", {arr})), "3");
  EXPECT_EQ(Const(C("array_element", {arr, I(2)})), "2");
  EXPECT_EQ(Const(C("array_element", {arr, I(5)})), "NULL");
  EXPECT_EQ(Const(C("array_contains", {arr, I(3)})), "true");
  EXPECT_EQ(Const(C("array_position", {arr, I(3)})), "3");
  EXPECT_EQ(Const(C("array_to_string", {arr, S("-")})), "1-2-3");

  auto b = Batch("id BIGINT, tags BIGINT[]", "1, [10, 20]; 2, NULL; 3, []; 4, [30]");
  auto r = Unnest(*b, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->parent_rows, (std::vector<int32_t>{0, 0, 3}));
  EXPECT_EQ(r->batch->num_rows(), 3);
  EXPECT_EQ(columnar::GetScalar(*r->batch->column(1), 2).ToString(), "30");
  EXPECT_EQ(columnar::GetScalar(*r->batch->column(0), 2).ToString(), "4");
}

std::vector<std::string> Texts(const columnar::Array& a) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < a.length(); ++i) out.push_back(columnar::GetScalar(a, i).ToString());
  return out;
}

// Several lists zip (PostgreSQL / DataFusion): each row yields as many rows as its longest list,
// shorter lists pad with NULL, a row whose lists are all NULL or empty yields nothing.
TEST(ArrayFunctions, UnnestListsZipsAndPads) {
  auto b = Batch("a BIGINT[], s VARCHAR[]",
                 "[10, 20], ['x']; NULL, ['y', 'z']; [], NULL; [30], []; NULL, NULL");
  std::vector<const columnar::Array*> lists{b->column(0).get(), b->column(1).get()};
  auto r = UnnestLists(lists, b->num_rows(), /*keep_empty=*/false, /*with_ordinality=*/true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->parent_rows, (std::vector<int32_t>{0, 0, 1, 1, 3}));
  EXPECT_EQ(r->ordinality, (std::vector<int64_t>{1, 2, 1, 2, 1}));
  ASSERT_EQ(r->elements.size(), 2u);
  EXPECT_EQ(Texts(*r->elements[0]), (Strings{"10", "20", "NULL", "NULL", "30"}));
  EXPECT_EQ(Texts(*r->elements[1]), (Strings{"x", "NULL", "y", "z", "NULL"}));

  // LEFT JOIN ... ON TRUE: rows without elements give one all-NULL row (ordinality 0 = NULL).
  auto k = UnnestLists(lists, b->num_rows(), /*keep_empty=*/true, /*with_ordinality=*/true);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->parent_rows, (std::vector<int32_t>{0, 0, 1, 1, 2, 3, 4}));
  EXPECT_EQ(k->ordinality, (std::vector<int64_t>{1, 2, 1, 2, 0, 1, 0}));
  EXPECT_EQ(Texts(*k->elements[0]), (Strings{"10", "20", "NULL", "NULL", "NULL", "30", "NULL"}));
}

// One list without padding gathers its elements by index; NULL-typed input yields no rows.
TEST(ArrayFunctions, UnnestListsSingleListAndErrors) {
  auto b = Batch("a VARCHAR[]", "['p', NULL, 'q']; []; ['r']");
  std::vector<const columnar::Array*> one{b->column(0).get()};
  auto r = UnnestLists(one, b->num_rows(), false, false);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->parent_rows, (std::vector<int32_t>{0, 0, 0, 2}));
  EXPECT_TRUE(r->ordinality.empty());
  EXPECT_EQ(Texts(*r->elements[0]), (Strings{"p", "NULL", "q", "r"}));

  auto nulls = columnar::MakeNullArray(columnar::null_type(), 3);
  std::vector<const columnar::Array*> untyped{nulls.get()};
  auto n = UnnestLists(untyped, 3, false, false);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_TRUE(n->parent_rows.empty());
  EXPECT_EQ(n->elements[0]->length(), 0);

  auto ints = Batch("x BIGINT", "1; 2");
  std::vector<const columnar::Array*> bad{ints->column(0).get()};
  auto e = UnnestLists(bad, 2, false, false);
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().ToString(), HasSubstr("UNNEST needs an ARRAY argument, got BIGINT"));
}

}  // namespace
}  // namespace laminar::function
