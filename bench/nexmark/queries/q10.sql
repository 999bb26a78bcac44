-- Nexmark q10: log all bids with a date and an HH:MM partition key.
-- Upstream: shared/nexmark/flink/q10.sql (a partitioned filesystem sink; RisingWave uses
-- blackhole + TO_CHAR). Measured as a projection into the blackhole. The formatting is spelled
-- with casts: CAST(date_time AS DATE) prints YYYY-MM-DD and characters 12-16 of the timestamp
-- text are HH:MM, matching DATE_FORMAT(dateTime, 'yyyy-MM-dd') / 'HH:mm'.
CREATE STREAM q10 AS
SELECT auction, bidder, price, date_time, extra,
       CAST(CAST(date_time AS DATE) AS VARCHAR) AS dt,
       SUBSTRING(CAST(date_time AS VARCHAR), 12, 5) AS hm
FROM bid;
