CREATE STREAM vwap AS SELECT symbol, SUM(price * volume) / SUM(volume) AS vwap FROM trades
GROUP BY symbol, TUMBLE(ts, INTERVAL '1' MINUTE) EMIT ON WINDOW CLOSE;
