-- Nexmark q3: local item suggestion (sellers in OR/ID/CA offering category 10).
-- Upstream: shared/nexmark/flink/q3.sql. States are upper case because the generator emits
-- upper case by default (RisingWave compares with 'or','id','ca' for nexmark-rs).
-- Difference: an unbounded stream-stream inner join. Our engine accepts it only as a changelog,
-- hence EMIT CHANGES (an inner join of append-only inputs only ever emits +1 rows, so the
-- result rows are the upstream ones plus a `__weight` column).
CREATE STREAM q3 AS
SELECT P.name, P.city, P.state, A.id
FROM auction AS A INNER JOIN person AS P ON A.seller = P.id
WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA')
EMIT CHANGES;
