-- Nexmark q4: average closing price per category.
-- Upstream: shared/nexmark/flink/q4.sql. The subquery becomes a stream (q4_winning): the
-- winning (max) bid of each auction among bids between its start and expiry, then the
-- average per category. Both levels are updating aggregates, so both emit changelogs.
CREATE STREAM q4_winning AS
SELECT A.id, A.category, MAX(B.price) AS final
FROM auction AS A JOIN bid AS B
  ON A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires
GROUP BY A.id, A.category
EMIT CHANGES;
CREATE STREAM q4 AS
SELECT category, AVG(final) AS avg_final FROM q4_winning GROUP BY category
EMIT CHANGES;
