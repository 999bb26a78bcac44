CREATE SINK out FROM (SELECT * FROM s WHERE x > 1) WHERE y = 2 INTO DELTA_LAKE ('path' = '/tmp/x') FORMAT AVRO WITH ('schema' = 's') WITH ('a' = 'b');
