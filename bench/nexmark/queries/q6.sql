-- Nexmark q6: average selling price per seller over its last 10 closed auctions.
-- Upstream: shared/nexmark/flink/q6.sql (marked unsupported in Flink itself, FLINK-19059: an
-- OVER window cannot consume the retractions of its top-1-per-auction input). Here the closing
-- price of each auction is an append-only stream: the highest bid between the auction's start
-- and expiry, emitted once the watermark passes the expiry (a 1 ms TUMBLE over `expires` closes
-- each auction's group right after it ends, EMIT ON WINDOW CLOSE). The ROWS OVER window per
-- seller then averages the current and 10 preceding closed auctions, in the order they closed
-- (upstream orders by the winning bid's time; "the last 10 closed auctions" of the Nexmark
-- description is the closing order), ties broken by auction id. Output: one row per closed
-- auction, computed once its order is final.
CREATE STREAM q6_closed AS
SELECT A.id, A.seller, MAX(B.price) AS final, window_end AS closed_at
FROM auction AS A JOIN bid AS B
  ON A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires
GROUP BY A.id, A.seller, TUMBLE(A.expires, INTERVAL '1' MILLISECOND)
EMIT ON WINDOW CLOSE;
CREATE STREAM q6 AS
SELECT seller, AVG(final) OVER (PARTITION BY seller ORDER BY closed_at, id
                                ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) AS avg_price
FROM q6_closed;
