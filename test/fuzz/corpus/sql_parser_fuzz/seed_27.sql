SELECT x FROM UNNEST(ARRAY[1, 2, 3]) AS u (x), (VALUES (1), (2)) AS v (y);
