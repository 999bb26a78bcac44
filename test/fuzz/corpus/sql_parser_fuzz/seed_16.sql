SELECT * FROM trades t ASOF JOIN quotes q MATCH_CONDITION(NEAREST(t.ts, q.ts)) ON t.sym = q.sym;
