-- Nexmark sources as plain push sources (the harness pushes pre-generated batches).
-- Column names follow RisingWave / nexmark-rs (snake_case), as produced by the `nexmark`
-- connector (src/connector/generator/nexmark_generator.h). Upstream: flink/ddl_gen.sql
-- (nested ROWs + views; `WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND`) and
-- feldera/table.sql (three flat tables, as here).
CREATE SOURCE person (id BIGINT, name VARCHAR, email_address VARCHAR, credit_card VARCHAR,
  city VARCHAR, state VARCHAR, date_time TIMESTAMP, extra VARCHAR,
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND);
CREATE SOURCE auction (id BIGINT, item_name VARCHAR, description VARCHAR, initial_bid BIGINT,
  reserve BIGINT, date_time TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT,
  extra VARCHAR, WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND);
CREATE SOURCE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
  date_time TIMESTAMP, extra VARCHAR,
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND);
