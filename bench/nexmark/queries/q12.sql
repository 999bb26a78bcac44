-- Nexmark q12: bids per bidder per 10 s tumbling window.
-- Upstream: shared/nexmark/flink/q12.sql uses a processing-time window (PROCTIME()); like
-- feldera/q12.sql we use event time, which makes the result deterministic and comparable.
CREATE STREAM q12 AS
SELECT bidder, COUNT(*) AS bid_count, window_start AS starttime, window_end AS endtime
FROM bid
GROUP BY bidder, TUMBLE(date_time, INTERVAL '10' SECOND)
EMIT ON WINDOW CLOSE;
