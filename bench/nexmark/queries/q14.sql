-- Nexmark q14: calculation (euro price, time-of-day class, count of 'c' in extra).
-- Upstream: shared/nexmark/flink/q14.sql (Java UDF count_char); the UDF is inlined as
-- LENGTH(s) - LENGTH(REPLACE(s, 'c', '')) as RisingWave and Feldera do, HOUR() as
-- date_part('hour', ...).
CREATE STREAM q14 AS
SELECT auction, bidder, 0.908 * price AS price,
       CASE
         WHEN date_part('hour', date_time) >= 8 AND date_part('hour', date_time) <= 18
           THEN 'dayTime'
         WHEN date_part('hour', date_time) <= 6 OR date_part('hour', date_time) >= 20
           THEN 'nightTime'
         ELSE 'otherTime'
       END AS bid_time_type,
       date_time, extra,
       LENGTH(extra) - LENGTH(REPLACE(extra, 'c', '')) AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000;
