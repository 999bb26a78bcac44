#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "sql/binder/binder.h"
#include "sql/binder/logical_plan.h"

namespace laminar::sql {

/// What the rewrite rules did to one plan, for EXPLAIN (`pushdown` key) and tests.
struct PlanRewrites {
  int constants_folded = 0;  // sub-expressions replaced by their value
  int filters_pushed = 0;    // filter conjuncts moved below another operator
  int scans_pruned = 0;      // scans that read fewer columns than the relation has
  /// One line per rewrite, e.g. "filter (price > 10) -> Scan trades",
  /// "Scan trades columns=[symbol, price]".
  std::vector<std::string> notes;

  std::string ToString() const;  // notes joined by "; " ("none" when empty)
};

/// Rewrites a bound logical plan into an equivalent, cheaper one. The input plan is never
/// modified (plans share subtrees, e.g. a CTE used twice); changed nodes are copies.
///
/// Rules, all of them result-preserving:
///  - constant folding: deterministic sub-expressions without column references become
///    literals (NOW() and other volatile calls never), `x AND TRUE` → `x`, `x OR TRUE` → TRUE;
///    a filter whose predicate folds to TRUE disappears;
///  - predicate push-down (ad-hoc plans): filter conjuncts move below projections (substituting
///    the projected expressions), sorts, UNION/INTERSECT/EXCEPT branches, uncorrelated subquery
///    wrappers, subquery applies that do not read their result, aggregates when they read only
///    GROUP BY keys, and into the input of a join whose rows they filter: both inputs of an
///    INNER/CROSS join (conjuncts over both sides become the join condition), only the
///    preserved side of a LEFT/RIGHT join, never through a FULL join. Single-side conjuncts of
///    an ON clause move into that input when it is not the preserved side of an outer join;
///  - projection push-down (ad-hoc plans): each scan reads only the columns some operator
///    above it uses; unused projection outputs below the root are dropped.
/// Streaming plans (BindMode::kStreaming) only get constant folding: the operator compiler
/// expects the binder's shape (joins directly over scans).
Result<PlanPtr> OptimizePlan(const PlanPtr& plan, BindMode mode, PlanRewrites* rewrites = nullptr);

/// Folds the constant sub-expressions of one expression (the first rule above on its own).
BExpr FoldConstants(const BExpr& expr, int* folded = nullptr);

}  // namespace laminar::sql
