-- Nexmark q8: people who put up an auction in the 10 s window in which they registered.
-- Upstream: shared/nexmark/flink/q8.sql. The two windowed GROUP BYs (no aggregate: one row per
-- distinct key per window) become streams; the join matches id = seller and equal windows.
CREATE STREAM q8_person AS
SELECT id, name, window_start AS starttime, window_end AS endtime
FROM person
GROUP BY id, name, TUMBLE(date_time, INTERVAL '10' SECOND)
EMIT ON WINDOW CLOSE;
CREATE STREAM q8_auction AS
SELECT seller, window_start AS starttime, window_end AS endtime
FROM auction
GROUP BY seller, TUMBLE(date_time, INTERVAL '10' SECOND)
EMIT ON WINDOW CLOSE;
CREATE STREAM q8 AS
SELECT P.id, P.name, P.starttime
FROM q8_person AS P JOIN q8_auction AS A
  ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime;
