-- Nexmark q20: expand bids with their auction (category 10 only).
-- Upstream: shared/nexmark/flink/q20.sql (column names snake_case as in risingwave/q20.sql).
-- Difference: an unbounded stream-stream inner join, accepted by our engine only as a
-- changelog, hence EMIT CHANGES (the rows are the upstream ones plus `__weight` = +1).
CREATE STREAM q20 AS
SELECT B.auction, B.bidder, B.price, B.channel, B.url, B.date_time AS bid_date_time,
       B.extra AS bid_extra, A.item_name, A.description, A.initial_bid, A.reserve,
       A.date_time AS auction_date_time, A.expires, A.seller, A.category,
       A.extra AS auction_extra
FROM bid AS B INNER JOIN auction AS A ON B.auction = A.id
WHERE A.category = 10
EMIT CHANGES;
