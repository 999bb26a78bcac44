CREATE SOURCE k FROM POSTGRES_CDC ('hostname' = 'h') FORMAT DEBEZIUM_JSON WITH ('a'='b') (id BIGINT, *) WITH (buffer_size = 1024);
