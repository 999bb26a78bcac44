INSERT INTO t (a, b) VALUES (1, 'x''y'), (2, E'\n'), (-3, 1.5e10);
