-- Nexmark q9: winning bid of each auction (highest price, earliest on ties).
-- Upstream: shared/nexmark/flink/q9.sql. Needs the interval join between an auction's start
-- and expiry plus a per-auction top-1 (ROW_NUMBER); written in the upstream shape.
CREATE STREAM q9 AS
SELECT id, item_name, description, initial_bid, reserve, date_time, expires, seller, category,
       extra, auction, bidder, price, bid_date_time, bid_extra
FROM (
  SELECT A.*, B.auction, B.bidder, B.price, B.date_time AS bid_date_time, B.extra AS bid_extra,
         ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.date_time ASC) AS rownum
  FROM auction AS A JOIN bid AS B
    ON A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires
)
WHERE rownum <= 1;
