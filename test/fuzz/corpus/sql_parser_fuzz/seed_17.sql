SELECT o.id, p.price FROM orders o JOIN products FOR SYSTEM_TIME AS OF o.ts AS p ON o.pid = p.id;
