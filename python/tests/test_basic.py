"""Basic end-to-end checks of the laminardb module (run by ctest with PYTHONPATH set)."""
import datetime
import shutil
import tempfile
import unittest

import laminardb

UTC = datetime.timezone.utc


class BasicTest(unittest.TestCase):
    def setUp(self):
        self.db = laminardb.open()
        self.db.execute(
            "CREATE SOURCE trades (symbol VARCHAR, price DOUBLE, qty BIGINT, ts TIMESTAMP, "
            "WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)")

    def tearDown(self):
        self.db.close()

    def test_ddl_summary_and_version(self):
        res = self.db.execute("CREATE STREAM s AS SELECT symbol FROM trades")
        self.assertEqual(res["statement_type"], "CREATE STREAM")
        self.assertEqual(res["object_name"], "s")
        self.assertTrue(laminardb.__version__)

    def test_push_rows_and_poll(self):
        self.db.execute(
            "CREATE STREAM big AS SELECT symbol, price * CAST(qty AS DOUBLE) AS notional "
            "FROM trades WHERE qty > 10")
        sub = self.db.subscribe("big")
        self.assertEqual([c for c, _ in sub.schema], ["symbol", "notional"])
        t = datetime.datetime(2024, 1, 1, tzinfo=UTC)
        n = self.db.push("trades", [("A", 10.0, 5, t), ("B", 2.0, 50, t), ("C", 1.5, None, t)])
        self.assertEqual(n, 3)
        self.assertEqual(sub.poll(), [{"symbol": "B", "notional": 100.0}])
        self.assertEqual(sub.poll(), [])

    def test_push_columns_dict_and_window(self):
        self.db.execute(
            "CREATE STREAM bars AS SELECT symbol, SUM(qty) AS total FROM trades "
            "GROUP BY symbol, TUMBLE(ts, INTERVAL '1' MINUTE) EMIT ON WINDOW CLOSE")
        sub = self.db.subscribe("bars")
        t0 = datetime.datetime(2024, 1, 1, 0, 0, 5)  # naive = UTC
        self.db.push("trades", {"symbol": ["A", "A"], "price": [1.0, 2.0], "qty": [3, 4],
                                "ts": [t0, t0 + datetime.timedelta(seconds=10)]})
        self.assertEqual(sub.poll(), [])
        self.db.push("trades", [("B", 1.0, 1, t0 + datetime.timedelta(minutes=2))])
        rows = sub.poll()
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["symbol"], "A")
        self.assertEqual(rows[0]["total"], 7)

    def test_query_returns_dicts_with_datetimes(self):
        t = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
        self.db.execute("INSERT INTO trades VALUES ('X', 1.25, 2, '2024-05-06 07:08:09.123456')")
        self.db.push("trades", [("Y", 2.5, 3, t)])
        rows = self.db.query("SELECT symbol, ts FROM trades")
        self.assertEqual(len(rows), 2)
        for r in rows:
            self.assertEqual(r["ts"], t)

    def test_errors_carry_codes(self):
        with self.assertRaises(laminardb.LaminarError) as cm:
            self.db.subscribe("missing")
        self.assertEqual(cm.exception.code, 1101)
        self.assertIn("missing", str(cm.exception))
        with self.assertRaises(laminardb.LaminarError) as cm:
            self.db.execute("CREATE SOURCE trades (a BIGINT)")
        self.assertEqual(cm.exception.code, 5012)
        with self.assertRaises(laminardb.LaminarError):
            self.db.push("trades", [("only-one-value",)])
        with self.assertRaises(TypeError):
            self.db.push("trades", [("A", object(), 1, 0)])
        with self.assertRaises(laminardb.LaminarError):
            self.db.checkpoint()  # in-memory

    def test_config_vars_fill_option_values(self):
        db = laminardb.open(config_vars={"ROWS": "10"})
        try:
            db.execute("CREATE SOURCE g (id BIGINT) FROM DATAGEN ('max.rows' = '${ROWS}')")
            with self.assertRaises(laminardb.LaminarError) as cm:
                db.execute("CREATE SOURCE h (id BIGINT) FROM DATAGEN ('max.rows' = '${NOPE_X}')")
            self.assertEqual(cm.exception.code, 3)
            self.assertIn("NOPE_X", str(cm.exception))
        finally:
            db.close()

    def test_close_is_idempotent_and_final(self):
        db = laminardb.open()
        db.close()
        db.close()
        self.assertTrue(db.closed)
        with self.assertRaises(laminardb.LaminarError):
            db.execute("SELECT 1")


class DurableTest(unittest.TestCase):
    def test_checkpoint_and_reopen(self):
        d = tempfile.mkdtemp(prefix="laminardb_py_")
        try:
            with laminardb.open(data_dir=d) as db:
                db.execute("CREATE SOURCE s (a BIGINT)")
                db.push("s", [(1,), (2,)])
                cp = db.checkpoint()
                self.assertTrue(cp["success"])
                self.assertGreater(cp["checkpoint_id"], 0)
            with laminardb.open(data_dir=d) as db:
                with self.assertRaises(laminardb.LaminarError):
                    db.execute("CREATE SOURCE s (a BIGINT)")
        finally:
            shutil.rmtree(d)



class OptionsTest(unittest.TestCase):
    def test_queued_ingest_and_source_metrics(self):
        db = laminardb.open(buffer_size=16, backpressure="reject", ingest="queued",
                            max_future_skew_ms=0)
        try:
            db.execute("CREATE SOURCE s (v BIGINT)")
            db.execute("CREATE MATERIALIZED VIEW c AS SELECT COUNT(*) AS n FROM s")
            self.assertEqual(db.push("s", [(1,), (2,), (3,)]), 3)
            db.sync()
            self.assertEqual(db.query("SELECT n FROM c"), [{"n": 3}])
            (m,) = db.source_metrics()
            self.assertEqual(m["name"], "s")
            self.assertEqual(m["capacity"], 16)
            self.assertEqual(m["pending"], 0)
            self.assertTrue(m["queued"])
            self.assertEqual(m["backpressure"], "reject")
            self.assertEqual(m["total_events"], 3)
        finally:
            db.close()

    def test_invalid_options_are_errors(self):
        with self.assertRaises(laminardb.LaminarError):
            laminardb.open(buffer_size=2)
        with self.assertRaises(laminardb.LaminarError):
            laminardb.open(backpressure="sometimes")

if __name__ == "__main__":
    unittest.main()
