-- Nexmark q19: the 10 highest bids of each auction (top-N per group).
-- Upstream: shared/nexmark/flink/q19.sql; ROW_NUMBER top-10, written in the upstream shape.
CREATE STREAM q19 AS
SELECT *
FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number
      FROM bid)
WHERE rank_number <= 10;
