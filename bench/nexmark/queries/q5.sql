-- Nexmark q5: hot items (auctions with the most bids per 10 s window, sliding every 2 s).
-- Upstream: shared/nexmark/flink/q5.sql (also arroyo/nexmark_q5.sql, feldera/q5.sql).
-- The two HOP subqueries become streams: q5_counts (bids per auction per window) and q5_max
-- (the largest count per window; a 2 s TUMBLE over the windows' starts groups exactly one hop
-- window, since starts are 2 s aligned). The final join matches equal window starts.
CREATE STREAM q5_counts AS
SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime
FROM bid
GROUP BY auction, HOP(date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND)
EMIT ON WINDOW CLOSE;
CREATE STREAM q5_max AS
SELECT window_start AS starttime, MAX(num) AS maxn
FROM q5_counts
GROUP BY TUMBLE(starttime, INTERVAL '2' SECOND)
EMIT ON WINDOW CLOSE;
CREATE STREAM q5 AS
SELECT C.auction, C.num
FROM q5_counts AS C JOIN q5_max AS M
  ON C.starttime = M.starttime AND C.num >= M.maxn;
