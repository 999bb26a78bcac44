-- Nexmark q6: average selling price per seller over its last 10 closed auctions.
-- Upstream: shared/nexmark/flink/q6.sql (marked unsupported in Flink itself, FLINK-19059:
-- an OVER window cannot consume retractions). Kept in the upstream shape: top-1 winning bid
-- per auction (ROW_NUMBER) and a ROWS OVER window per seller.
CREATE STREAM q6 AS
SELECT Q.seller,
       AVG(Q.price) OVER (PARTITION BY Q.seller ORDER BY Q.date_time
                          ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) AS avg_price
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY id, seller ORDER BY price DESC) AS rownum
  FROM (SELECT A.id, A.seller, B.price, B.date_time
        FROM auction AS A JOIN bid AS B
          ON A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires)
) AS Q
WHERE Q.rownum <= 1;
