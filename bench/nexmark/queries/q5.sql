-- Nexmark q5: hot items (auctions with the most bids per 10 s window, sliding every 2 s).
-- Upstream: shared/nexmark/flink/q5.sql (also arroyo/nexmark_q5.sql, feldera/q5.sql).
-- The two HOP subqueries become streams: q5_counts (bids per auction per window) and q5_max
-- (the largest count per window). Windows are identified by their end (upstream: their start;
-- the same windows, since every window is 10 s long). q5_max groups by a 2 s TUMBLE over the
-- windows' ends, which holds exactly one hop window since ends are 2 s aligned; grouping by the
-- end (which never trails the watermark) rather than the start (which trails it by 10 s) lets
-- the TUMBLE close after its rows arrived. The final join of the two window streams on equal
-- window ends runs as a zero-width interval join evicted by the watermark.
CREATE STREAM q5_counts AS
SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime
FROM bid
GROUP BY auction, HOP(date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND)
EMIT ON WINDOW CLOSE;
CREATE STREAM q5_max AS
SELECT window_start AS endtime, MAX(num) AS maxn
FROM q5_counts
GROUP BY TUMBLE(endtime, INTERVAL '2' SECOND)
EMIT ON WINDOW CLOSE;
CREATE STREAM q5 AS
SELECT C.auction, C.num
FROM q5_counts AS C JOIN q5_max AS M
  ON C.endtime = M.endtime AND C.num >= M.maxn;
