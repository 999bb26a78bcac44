-- Nexmark q1: currency conversion (dollars to euros).
-- Upstream: shared/nexmark/flink/q1.sql. Flink declares the sink column DECIMAL(23,3); here
-- `0.908 * price` has whatever type the engine gives a decimal literal times BIGINT.
CREATE STREAM q1 AS
SELECT auction, bidder, 0.908 * price AS price, date_time, extra FROM bid;
