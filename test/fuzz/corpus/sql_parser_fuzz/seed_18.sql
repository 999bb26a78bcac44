SELECT * FROM trades t TEMPORAL PROBE JOIN prices r ON (sym) TIMESTAMPS (t.ts, r.ts) LIST (0s, 1s, 500ms, -2h) AS p;
