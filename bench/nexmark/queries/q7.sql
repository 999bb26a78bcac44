-- Nexmark q7: highest bid per 10 s tumbling window.
-- Upstream: shared/nexmark/flink/q7.sql (Flink selects `auction, price, bidder` into a sink
-- declared `auction, bidder, price`; we keep the SELECT order). The window subquery becomes the
-- stream q7_max; the join is an interval join on the window bounds.
CREATE STREAM q7_max AS
SELECT window_end AS wend, MAX(price) AS maxprice
FROM bid
GROUP BY TUMBLE(date_time, INTERVAL '10' SECOND)
EMIT ON WINDOW CLOSE;
CREATE STREAM q7 AS
SELECT B.auction, B.price, B.bidder, B.date_time, B.extra
FROM bid AS B JOIN q7_max AS M
  ON B.price = M.maxprice
  AND B.date_time BETWEEN M.wend - INTERVAL '10' SECOND AND M.wend;
