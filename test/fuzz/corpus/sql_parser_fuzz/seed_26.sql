SELECT ARRAY[1, 2][1], j -> 'a' ->> 'b', "Quoted Col", t.*, $1, -x ^ 2, a || b, CURRENT_TIMESTAMP FROM "My Table" AS t;
