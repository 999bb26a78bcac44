SELECT t.sym, q.bid FROM trades t ASOF JOIN quotes q MATCH_CONDITION(t.ts >= q.ts AND t.ts - q.ts <= INTERVAL '5' SECOND) ON t.sym = q.sym;
