-- Nexmark q11: user sessions (bids per bidder per session with a 10 s gap).
-- Upstream: shared/nexmark/flink/q11.sql (legacy GROUP BY SESSION; absent in RisingWave and
-- Feldera).
CREATE STREAM q11 AS
SELECT bidder, COUNT(*) AS bid_count, window_start AS starttime, window_end AS endtime
FROM bid
GROUP BY bidder, SESSION(date_time, INTERVAL '10' SECOND)
EMIT ON WINDOW CLOSE;
