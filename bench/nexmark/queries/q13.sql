-- Nexmark q13: bounded side-input join.
-- Upstream: shared/nexmark/flink/q13.sql (lookup join FOR SYSTEM_TIME AS OF proctime against a
-- 10,000-row file with key = value = i). Here side_input is a table with a primary key; the
-- harness fills it with 10,000 rows (key i, value 'i') before pushing bids. Event time stands in
-- for processing time in the AS OF clause (the table never changes during the run).
CREATE TABLE side_input (key BIGINT, value VARCHAR, PRIMARY KEY (key));
CREATE STREAM q13 AS
SELECT B.auction, B.bidder, B.price, B.date_time, S.value
FROM bid AS B JOIN side_input FOR SYSTEM_TIME AS OF B.date_time AS S
  ON MOD(B.auction, 10000) = S.key;
