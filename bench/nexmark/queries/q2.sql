-- Nexmark q2: selection.
-- Upstream: shared/nexmark/flink/q2.sql (= feldera/q2.sql): `MOD(auction, 123) = 0`. The
-- RisingWave form (`auction IN (1007, 1020, 2001, 2019, 2087)`) selects different rows; the two
-- are not comparable.
CREATE STREAM q2 AS
SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;
