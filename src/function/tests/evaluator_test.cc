#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "function/tests/test_util.h"

namespace laminar::function {
namespace {

using namespace test_util;  // NOLINT
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Strings = std::vector<std::string>;

TEST(Evaluator, ArithmeticAndNulls) {
  auto b = Batch("a BIGINT, b BIGINT, x DOUBLE", "1, 2, 1.5; NULL, 3, 2.5; 7, NULL, NULL");
  EXPECT_EQ(*EvalStrings(C("add", {Col(b, "a"), Col(b, "b")}), *b), (Strings{"3", "NULL", "NULL"}));
  EXPECT_EQ(*EvalStrings(C("multiply", {Col(b, "a"), Col(b, "x")}), *b),
            (Strings{"1.5", "NULL", "NULL"}));
  EXPECT_EQ(*EvalStrings(C("divide", {I(7), Col(b, "b")}), *b), (Strings{"3", "2", "NULL"}));
  EXPECT_EQ(*EvalStrings(C("modulo", {Col(b, "a"), I(4)}), *b), (Strings{"1", "NULL", "3"}));
  EXPECT_EQ(*EvalStrings(C("negate", {Col(b, "a")}), *b), (Strings{"-1", "NULL", "-7"}));
  EXPECT_EQ(*EvalStrings(C("subtract", {Col(b, "x"), I(1)}), *b), (Strings{"0.5", "1.5", "NULL"}));
}

// DOUBLE arithmetic on a widened BIGINT column runs fused (no temporary cast column): same
// values as cast-then-operate, either operand order, column or constant partner, NULLs from
// either side, and a NULL constant.
TEST(Evaluator, WidenedIntegerArithmetic) {
  auto b =
      Batch("a BIGINT, x DOUBLE", "1, 1.5; NULL, 2.5; 7, NULL; -3, 0.25; 9007199254740993, 1.0");
  auto cast_a = Cast(Col(b, "a"), columnar::float64());
  EXPECT_EQ(*EvalStrings(C("multiply", {D(0.908), cast_a}), *b),
            (Strings{"0.908", "NULL", "6.356", "-2.724", "8178536923304821"}));
  EXPECT_EQ(*EvalStrings(C("subtract", {cast_a, Col(b, "x")}), *b),
            (Strings{"-0.5", "NULL", "NULL", "-3.25", "9007199254740991"}));
  EXPECT_EQ(*EvalStrings(C("subtract", {Col(b, "x"), cast_a}), *b),
            (Strings{"0.5", "NULL", "NULL", "3.25", "-9007199254740991"}));
  EXPECT_EQ(*EvalStrings(C("add", {cast_a, D(0.5)}), *b),
            (Strings{"1.5", "NULL", "7.5", "-2.5", "9007199254740992"}));
  EXPECT_EQ(*EvalStrings(C("multiply", {cast_a, Null(columnar::float64())}), *b),
            (Strings{"NULL", "NULL", "NULL", "NULL", "NULL"}));
}

// MOD(x, d) = 0 runs as a fused divisibility test: the same answer as the remainder computed
// and compared (kept unfused by multiplying it by 1), for every sign, the extremes, NULLs,
// odd, even and power-of-two divisors, and the 0 on either side.
TEST(Evaluator, ModuloEqualsZeroIsADivisibilityTest) {
  std::string rows = "NULL";
  std::vector<int64_t> xs = {
      0,    1,    -1, 2,  -2,  3,  122, 123, 124, 246,       -246,
      -123, -124, 60, 64, 128, 96, 127, 255, 256, 1LL << 40, (1LL << 40) * 3};
  for (int64_t v = -300; v <= 300; v += 7) xs.push_back(v);
  xs.push_back(std::numeric_limits<int64_t>::max());
  xs.push_back(std::numeric_limits<int64_t>::min());
  xs.push_back(std::numeric_limits<int64_t>::min() + 1);
  for (int64_t x : xs) rows += "; " + std::to_string(x);
  auto b = Batch("a BIGINT", rows);
  for (int64_t d :
       {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{4}, int64_t{6}, int64_t{7}, int64_t{64},
        int64_t{96}, int64_t{123}, int64_t{1} << 40, std::numeric_limits<int64_t>::max()}) {
    auto mod = C("modulo", {Col(b, "a"), I(d)});
    auto unfused = *EvalStrings(C("eq", {C("multiply", {mod, I(1)}), I(0)}), *b);
    EXPECT_EQ(*EvalStrings(C("eq", {mod, I(0)}), *b), unfused) << "d=" << d;
    EXPECT_EQ(*EvalStrings(C("eq", {I(0), mod}), *b), unfused) << "d=" << d;
    EXPECT_EQ(unfused[0], "NULL");
    EXPECT_EQ(unfused[1], "true");  // 0
  }
  // MOD(x, 123) = 0 of 246, -246 and INT64_MIN (not a multiple of 123).
  EXPECT_EQ(*EvalStrings(C("eq", {C("modulo", {Col(b, "a"), I(123)}), I(0)}),
                         *Batch("a BIGINT", "246; -246; -9223372036854775808; 122")),
            (Strings{"true", "true", "false", "false"}));
}

TEST(Evaluator, OverflowAndDivisionByZero) {
  auto b = Batch("a BIGINT, z BIGINT", "9223372036854775807, 0");
  auto r = EvalStrings(C("add", {Col(b, "a"), I(1)}), *b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().error_code(), ErrorCode::kQueryExecutionFailed);
  EXPECT_THAT(r.status().message(), HasSubstr("integer overflow in 9223372036854775807 + 1"));
  r = EvalStrings(C("divide", {I(5), Col(b, "z")}), *b);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("division by zero"));
  // NULL rows never raise.
  auto n = Batch("a BIGINT", "NULL");
  EXPECT_EQ(*EvalStrings(C("divide", {I(5), Col(n, "a")}), *n), (Strings{"NULL"}));
}

TEST(Evaluator, DecimalArithmetic) {
  auto b = Batch("p DECIMAL(10,2), q DECIMAL(5,1)", "1.25, 2.5; -3.10, 0.1");
  EXPECT_EQ(*EvalStrings(C("add", {Col(b, "p"), Col(b, "q")}), *b), (Strings{"3.75", "-3.00"}));
  EXPECT_EQ(*EvalStrings(C("multiply", {Col(b, "p"), Col(b, "q")}), *b),
            (Strings{"3.125", "-0.310"}));
  EXPECT_EQ(*EvalStrings(C("divide", {Col(b, "p"), Col(b, "q")}), *b),
            (Strings{"0.500000", "-31.000000"}));
  EXPECT_EQ(*EvalStrings(C("add", {Col(b, "p"), I(1)}), *b), (Strings{"2.25", "-2.10"}));
}

TEST(Evaluator, ComparisonsWithWidening) {
  auto b = Batch("a INT, x DOUBLE, s VARCHAR", "1, 1.0, 'b'; 2, 1.5, 'a'; NULL, 3, NULL");
  EXPECT_EQ(*EvalStrings(C("eq", {Col(b, "a"), Col(b, "x")}), *b),
            (Strings{"true", "false", "NULL"}));
  EXPECT_EQ(*EvalStrings(C("gt", {Col(b, "a"), I(1)}), *b), (Strings{"false", "true", "NULL"}));
  EXPECT_EQ(*EvalStrings(C("lt", {Col(b, "s"), S("b")}), *b), (Strings{"false", "true", "NULL"}));
  EXPECT_EQ(*EvalStrings(C("is_distinct_from", {Col(b, "a"), Null()}), *b),
            (Strings{"true", "true", "false"}));
}

TEST(Evaluator, ThreeValuedAndOrNot) {
  auto b = Batch("p BOOLEAN, q BOOLEAN",
                 "true, true; true, false; true, NULL; false, NULL; NULL, NULL; NULL, false");
  EXPECT_EQ(*EvalStrings(MakeAnd({Col(b, "p"), Col(b, "q")}), *b),
            (Strings{"true", "false", "NULL", "false", "NULL", "false"}));
  EXPECT_EQ(*EvalStrings(MakeOr({Col(b, "p"), Col(b, "q")}), *b),
            (Strings{"true", "true", "true", "NULL", "NULL", "NULL"}));
  EXPECT_EQ(*EvalStrings(MakeNot(Col(b, "q")), *b),
            (Strings{"false", "true", "NULL", "NULL", "NULL", "true"}));
  EXPECT_EQ(*EvalStrings(MakeIsNull(Col(b, "q")), *b),
            (Strings{"false", "false", "true", "true", "true", "false"}));
}

TEST(Evaluator, AndShortCircuitsErrors) {
  // x <> 0 AND 10 / x > 1: the division never sees x = 0.
  auto b = Batch("x BIGINT", "0; 2; 20; NULL");
  auto e =
      MakeAnd({C("neq", {Col(b, "x"), I(0)}), C("gt", {C("divide", {I(10), Col(b, "x")}), I(1)})});
  EXPECT_EQ(*EvalStrings(e, *b), (Strings{"false", "true", "false", "NULL"}));
  auto o =
      MakeOr({C("eq", {Col(b, "x"), I(0)}), C("gt", {C("divide", {I(10), Col(b, "x")}), I(1)})});
  EXPECT_EQ(*EvalStrings(o, *b), (Strings{"true", "true", "false", "NULL"}));
}

TEST(Evaluator, CaseIsLazy) {
  auto b = Batch("x BIGINT", "0; 5; NULL; -2");
  auto e = MakeCase({C("gt", {Col(b, "x"), I(0)}), C("divide", {I(10), Col(b, "x")}),
                     C("lt", {Col(b, "x"), I(0)}), I(-1), I(0)},
                    true, columnar::int64());
  EXPECT_EQ(*EvalStrings(e, *b), (Strings{"0", "2", "0", "-1"}));
  auto no_else = MakeCase({C("gt", {Col(b, "x"), I(0)}), S("pos")}, false, columnar::utf8());
  EXPECT_EQ(*EvalStrings(no_else, *b), (Strings{"NULL", "pos", "NULL", "NULL"}));
}

TEST(Evaluator, CoalesceAndInList) {
  auto b = Batch("a BIGINT, c BIGINT", "NULL, 5; 1, 6; NULL, NULL");
  EXPECT_EQ(*EvalStrings(MakeCoalesce({Col(b, "a"), Col(b, "c"), I(0)}, columnar::int64()), *b),
            (Strings{"5", "1", "0"}));
  EXPECT_EQ(*EvalStrings(MakeInList(Col(b, "c"), {I(5), I(7)}, false), *b),
            (Strings{"true", "false", "NULL"}));
  EXPECT_EQ(*EvalStrings(MakeInList(Col(b, "c"), {I(5), Null(columnar::int64())}, true), *b),
            (Strings{"false", "NULL", "NULL"}));
}

TEST(Evaluator, Like) {
  auto b = Batch("s VARCHAR", "'hello'; 'HELP'; 'a_c'; NULL; 'héllo'");
  EXPECT_EQ(*EvalStrings(C("like", {Col(b, "s"), S("he%")}), *b),
            (Strings{"true", "false", "false", "NULL", "false"}));
  EXPECT_EQ(*EvalStrings(C("ilike", {Col(b, "s"), S("he%")}), *b),
            (Strings{"true", "true", "false", "NULL", "false"}));
  EXPECT_EQ(*EvalStrings(C("like", {Col(b, "s"), S("h_llo")}), *b),
            (Strings{"true", "false", "false", "NULL", "true"}));
  EXPECT_EQ(*EvalStrings(C("like", {Col(b, "s"), S("a\\_c")}), *b),
            (Strings{"false", "false", "true", "NULL", "false"}));
  EXPECT_EQ(*EvalStrings(C("not_like", {Col(b, "s"), S("%l%")}), *b),
            (Strings{"false", "true", "true", "NULL", "false"}));
}

TEST(Evaluator, Casts) {
  auto b =
      Batch("s VARCHAR, i BIGINT, x DOUBLE", "'12', 300, 2.5; 'abc', -1, -0.5; NULL, NULL, NULL");
  auto r = EvalStrings(Cast(Col(b, "s"), columnar::int64()), *b);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("cannot cast 'abc' to BIGINT"));
  EXPECT_EQ(*EvalStrings(Cast(Col(b, "s"), columnar::int64(), true), *b),
            (Strings{"12", "NULL", "NULL"}));
  r = EvalStrings(Cast(Col(b, "i"), columnar::int8()), *b);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("cannot cast 300 to TINYINT"));
  EXPECT_EQ(*EvalStrings(Cast(Col(b, "i"), columnar::int8(), true), *b),
            (Strings{"NULL", "-1", "NULL"}));
  EXPECT_EQ(*EvalStrings(Cast(Col(b, "x"), columnar::int64()), *b), (Strings{"2", "0", "NULL"}));
  EXPECT_EQ(*EvalStrings(Cast(Col(b, "x"), columnar::decimal128(5, 1)), *b),
            (Strings{"2.5", "-0.5", "NULL"}));
  EXPECT_EQ(*EvalStrings(Cast(Col(b, "i"), columnar::utf8()), *b), (Strings{"300", "-1", "NULL"}));
  EXPECT_EQ(Const(Cast(S("2024-01-02 03:04:05.5"), columnar::timestamp())),
            "2024-01-02 03:04:05.5");
  EXPECT_EQ(Const(Cast(Cast(S("2024-01-02 03:04:05"), columnar::timestamp()), columnar::date32())),
            "2024-01-02");
  EXPECT_EQ(Const(Cast(S("true"), columnar::boolean())), "true");
  EXPECT_EQ(Const(Cast(Literal(Scalar::Decimal(12345, 10, 2)), columnar::int64())), "123");
}

TEST(Evaluator, ConstantFoldingAndFilter) {
  auto folded = CompiledExpression::Compile(C("add", {I(1), C("multiply", {I(2), I(3)})}));
  ASSERT_TRUE(folded.ok());
  EXPECT_TRUE((*folded)->IsConstant());
  auto b = Batch("price DOUBLE, qty BIGINT", "150, 10; 50, 10; 200, 60; NULL, 1; 101, 49");
  auto pred = MakeAnd({C("gt", {Col(b, "price"), I(100)}), C("lt", {Col(b, "qty"), I(50)})});
  auto compiled = CompiledExpression::Compile(pred);
  ASSERT_TRUE(compiled.ok());
  auto sel = EvaluateFilter(**compiled, *b);
  ASSERT_TRUE(sel.ok());
  EXPECT_THAT(*sel, ElementsAre(0, 4));
}

TEST(Evaluator, WindowFunctions) {
  auto b = Batch("ts TIMESTAMP", "2024-01-01 00:00:07; 2024-01-01 00:00:10; 1969-12-31 23:59:59");
  EXPECT_EQ(*EvalStrings(C("tumble", {Col(b, "ts"), Iv("5 seconds")}), *b),
            (Strings{"2024-01-01 00:00:05", "2024-01-01 00:00:10", "1969-12-31 23:59:55"}));
  EXPECT_EQ(*EvalStrings(C("tumble_end", {Col(b, "ts"), Iv("5 seconds")}), *b),
            (Strings{"2024-01-01 00:00:10", "2024-01-01 00:00:15", "1970-01-01 00:00:00"}));
  EXPECT_EQ(*EvalStrings(C("hop", {Col(b, "ts"), Iv("5 seconds"), Iv("10 seconds")}), *b),
            (Strings{"2024-01-01 00:00:00", "2024-01-01 00:00:05", "1969-12-31 23:59:50"}));
  EXPECT_EQ(*EvalStrings(C("cumulate", {Col(b, "ts"), Iv("2 seconds"), Iv("10 seconds")}), *b),
            (Strings{"2024-01-01 00:00:00", "2024-01-01 00:00:10", "1969-12-31 23:59:50"}));
  EXPECT_EQ(*EvalStrings(C("cumulate_end", {Col(b, "ts"), Iv("2 seconds"), Iv("10 seconds")}), *b),
            (Strings{"2024-01-01 00:00:08", "2024-01-01 00:00:12", "1970-01-01 00:00:00"}));
  auto bad = CompiledExpression::Compile(C("tumble", {Col(b, "ts"), Iv("0 seconds")}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().error_code(), ErrorCode::kWindowSizeInvalid);
  EXPECT_THAT(bad.status().message(), HasSubstr("window size must be positive"));
  bad = CompiledExpression::Compile(C("tumble", {Col(b, "ts"), Iv("1 month")}));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("fixed duration"));
}

TEST(Evaluator, TemporalArithmeticAndNow) {
  EXPECT_EQ(Const(C("add", {Ts("2024-01-31 10:00:00"), Iv("1 month")})), "2024-02-29 10:00:00");
  EXPECT_EQ(Const(C("subtract", {Ts("2024-01-01 00:00:10"), Iv("10 seconds")})),
            "2024-01-01 00:00:00");
  auto b = Batch("x BIGINT", "1; 2");
  EvalContext ctx;
  ctx.now_micros = 1'000'000;
  EXPECT_EQ(*EvalStrings(C("now", {}), *b, ctx),
            (Strings{"1970-01-01 00:00:01", "1970-01-01 00:00:01"}));
}

TEST(Registry, ResolutionErrors) {
  auto& r = FunctionRegistry::Global();
  auto u = r.ResolveScalar("lenght", {columnar::utf8()});
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().error_code(), ErrorCode::kPlanningFailed);
  EXPECT_TRUE(u.status().IsNotFound());
  auto t = r.ResolveScalar("add", {columnar::boolean(), columnar::utf8()});
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("BOOLEAN, VARCHAR"));
  EXPECT_THAT(t.status().message(), HasSubstr("accepted"));
  auto ok = r.ResolveScalar("add", {columnar::int32(), columnar::int64()});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->param_types[0]->ToString(), "BIGINT");
  EXPECT_EQ(ok->return_type->ToString(), "BIGINT");
  auto dec = r.ResolveScalar("add", {columnar::decimal128(10, 2), columnar::int32()});
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(dec->param_types[1]->ToString(), "DECIMAL(10,0)");
  EXPECT_EQ(dec->return_type->ToString(), "DECIMAL(13,2)");
  EXPECT_EQ((*CommonSuperType(columnar::date32(), columnar::timestamp()))->ToString(), "TIMESTAMP");
  EXPECT_EQ((*CommonSuperType(columnar::null_type(), columnar::utf8()))->ToString(), "VARCHAR");
  EXPECT_EQ((*CommonSuperType(columnar::int64(), columnar::float64()))->ToString(), "DOUBLE");
  EXPECT_FALSE(CommonSuperType(columnar::int64(), columnar::utf8()).ok());
  EXPECT_TRUE(CanImplicitlyCast(columnar::int8(), columnar::int64()));
  EXPECT_FALSE(CanImplicitlyCast(columnar::int64(), columnar::int32()));
}

}  // namespace
}  // namespace laminar::function
