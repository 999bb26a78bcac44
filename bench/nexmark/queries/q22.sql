-- Nexmark q22: split the URL into its first three directories.
-- Upstream: shared/nexmark/flink/q22.sql: SPLIT_INDEX(url, '/', 3..5) is 0-based; written as
-- the 1-based SPLIT_PART(url, '/', 4..6) as in risingwave/q22.sql.
CREATE STREAM q22 AS
SELECT auction, bidder, price, channel,
       SPLIT_PART(url, '/', 4) AS dir1,
       SPLIT_PART(url, '/', 5) AS dir2,
       SPLIT_PART(url, '/', 6) AS dir3
FROM bid;
