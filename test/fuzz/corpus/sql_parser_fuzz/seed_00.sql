CREATE SOURCE trades (symbol VARCHAR NOT NULL, price DOUBLE, volume BIGINT, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) FROM KAFKA (topic = 'trades', 'bootstrap.servers' = 'localhost:9092') FORMAT JSON;
