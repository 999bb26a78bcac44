SELECT key, value, ts, date, time, timestamp, offset, count, first, last, source, name, type FROM t WHERE date > DATE '2024-01-01' AND time < TIME '12:00';
