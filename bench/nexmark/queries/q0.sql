-- Nexmark q0: pass-through (measures the cost of moving every bid column).
-- Upstream: shared/nexmark/flink/q0.sql (also feldera/q0.sql). RisingWave's q0 drops `extra`;
-- we keep it, as Flink and Feldera do. Blackhole sink = a subscription that counts rows.
CREATE STREAM q0 AS
SELECT auction, bidder, price, date_time, extra FROM bid;
