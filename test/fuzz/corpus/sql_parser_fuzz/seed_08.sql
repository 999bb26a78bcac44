CREATE LOOKUP TABLE cust (id BIGINT, name TEXT, PRIMARY KEY (id)) WITH ('connector' = 'postgres', 'strategy' = 'poll');
