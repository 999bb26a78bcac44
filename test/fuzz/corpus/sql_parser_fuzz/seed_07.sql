CREATE TABLE products (id INT PRIMARY KEY, name VARCHAR(64), price DECIMAL(10, 2)) WITH ('connector' = 'static');
