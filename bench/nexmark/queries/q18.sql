-- Nexmark q18: last bid of each (bidder, auction) pair (deduplication, top-1 by time).
-- Upstream: shared/nexmark/flink/q18.sql; ROW_NUMBER top-1, written in the upstream shape.
CREATE STREAM q18 AS
SELECT auction, bidder, price, channel, url, date_time, extra
FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC)
                  AS rank_number
      FROM bid)
WHERE rank_number <= 1;
