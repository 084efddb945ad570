"""CloudWatch Logs Insights as the launcher emulates it: StartQuery evaluates
the query over events stored with PutLogEvents, GetQueryResults answers
Running once and then Complete, StopQuery, DescribeQueries; the subset of the
query language a usage report needs; 100,000 events in well under 10 s.
Real HTTP through boto3 against a launched scripts/local_aws.py."""

import json
import time
import unittest
from datetime import datetime, timezone

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from test_local_aws import CREDS, launch

DAY = 86400 * 1000


def access_log(ts, request, route, status, key, latency, ip):
    """An access log line as an HTTP API stage writes it (JSON format)."""
    return {"timestamp": ts, "message": json.dumps({
        "requestId": request, "routeKey": route, "status": str(status),
        "ip": ip, "integrationLatency": latency,
        "authorizer": {"keyName": key} if key else {},
    }, separators=(",", ":"))}


class InsightsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.endpoint = launch("--watch-stdin")
        cls.logs = boto3.client("logs", endpoint_url=cls.endpoint,
                                config=Config(retries={"max_attempts": 1}), **CREDS)
        now = int(time.time() * 1000)
        # Three whole days back, so day bins are deterministic.
        cls.day0 = (now // DAY - 3) * DAY
        cls.logs.create_log_group(logGroupName="/access")
        cls.logs.create_log_stream(logGroupName="/access", logStreamName="s")
        events = []
        for i in range(60):
            day = i % 3
            events.append(access_log(
                cls.day0 + day * DAY + i * 1000, f"r{i}",
                "GET /pets/{id}" if i % 2 else "POST /orders",
                403 if i % 10 == 0 else 200,
                None if i % 10 == 0 else ("alice" if i % 4 == 1 else "bob"),
                i, f"10.0.0.{i % 7}"))
        events.append({"timestamp": cls.day0 + 5, "message": "plain text, not JSON"})
        events.sort(key=lambda e: e["timestamp"])
        cls.logs.put_log_events(logGroupName="/access", logStreamName="s", logEvents=events)
        cls.start, cls.end = cls.day0 // 1000, (cls.day0 + 3 * DAY) // 1000

    @classmethod
    def tearDownClass(cls):
        cls.proc.stdin.close()
        cls.proc.wait(timeout=10)
        cls.proc.stdout.close()
        cls.proc.stderr.close()

    def run_query(self, query, group="/access", start=None, end=None, **kw):
        qid = self.logs.start_query(logGroupName=group, queryString=query,
                                    startTime=self.start if start is None else start,
                                    endTime=self.end if end is None else end, **kw)["queryId"]
        statuses = []
        while True:
            answer = self.logs.get_query_results(queryId=qid)
            statuses.append(answer["status"])
            if answer["status"] not in ("Scheduled", "Running"):
                break
            time.sleep(0.01)
        self.assertEqual(statuses, ["Running", "Complete"])
        rows = [{f["field"]: f["value"] for f in row} for row in answer["results"]]
        return rows, answer["statistics"]

    def code(self, call, **kw):
        with self.assertRaises(ClientError) as cm:
            call(**kw)
        return cm.exception.response["Error"]["Code"]

    def test_fields_sort_limit_and_json_discovery(self):
        rows, stats = self.run_query(
            "fields @timestamp, requestId, authorizer.keyName, status "
            "| filter ispresent(requestId) | sort @timestamp desc | limit 5")
        self.assertEqual(len(rows), 5)
        self.assertEqual(rows[0]["requestId"], "r59")
        self.assertEqual(rows[0]["authorizer.keyName"], "bob")
        self.assertIn("@ptr", rows[0])
        first = datetime.fromtimestamp((self.day0 + 2 * DAY + 59000) / 1000, tz=timezone.utc)
        self.assertEqual(rows[0]["@timestamp"],
                         first.strftime("%Y-%m-%d %H:%M:%S.000"))
        self.assertEqual(stats["recordsScanned"], 61.0)
        self.assertEqual(stats["recordsMatched"], 60.0)
        self.assertGreater(stats["bytesScanned"], 0)

    def test_filters(self):
        def ids(q):
            return sorted(int(r["requestId"][1:]) for r in self.run_query(
                "fields requestId | " + q)[0])
        self.assertEqual(ids("filter status == 403"), [0, 10, 20, 30, 40, 50])
        self.assertEqual(ids('filter status != "200" and integrationLatency > 25'),
                         [30, 40, 50])
        self.assertEqual(ids("filter integrationLatency < 3 or integrationLatency >= 58"),
                         [0, 1, 2, 58, 59])
        self.assertEqual(ids("filter not ispresent(authorizer.keyName) and ispresent(requestId)"),
                         [0, 10, 20, 30, 40, 50])
        self.assertEqual(ids("filter routeKey like /^GET/ and authorizer.keyName = 'alice' "
                             "and integrationLatency <= 9"), [1, 5, 9])
        self.assertEqual(ids('filter requestId like "r5" and requestId not like "r55"'),
                         [5, 50, 51, 52, 53, 54, 56, 57, 58, 59])
        self.assertEqual(ids('filter ip in ["10.0.0.1", "10.0.0.2"] and integrationLatency < 15'),
                         [1, 2, 8, 9])
        rows, _ = self.run_query('filter @message like "plain" | fields @message')
        self.assertEqual([r["@message"] for r in rows], ["plain text, not JSON"])

    def test_stats_by_key_and_day(self):
        rows, stats = self.run_query(
            "filter ispresent(authorizer.keyName) "
            "| stats count(*) as requests, count_distinct(ip) as ips, "
            "min(integrationLatency), max(integrationLatency), avg(integrationLatency), "
            "sum(integrationLatency), pct(integrationLatency, 50) "
            "by authorizer.keyName as key, bin(1d) as day | sort day asc, key asc")
        self.assertEqual(stats["recordsMatched"], 54.0)
        self.assertEqual(len(rows), 6)
        day0 = datetime.fromtimestamp(self.day0 / 1000, tz=timezone.utc)
        self.assertEqual(rows[0]["day"], day0.strftime("%Y-%m-%d 00:00:00.000"))
        self.assertEqual([r["key"] for r in rows], ["alice", "bob"] * 3)
        # Day 0 holds i = 0, 3, 6, ..., 57 without the multiples of 10; alice
        # has i % 4 == 1: 9, 21, 33, 45, 57.
        alice = rows[0]
        self.assertEqual((alice["requests"], alice["min(integrationLatency)"],
                          alice["max(integrationLatency)"], alice["sum(integrationLatency)"],
                          alice["avg(integrationLatency)"],
                          alice["pct(integrationLatency, 50)"]),
                         ("5", "9", "57", "165", "33", "33"))
        self.assertEqual(alice["ips"], str(len({i % 7 for i in (9, 21, 33, 45, 57)})))
        total = sum(int(r["requests"]) for r in rows)
        self.assertEqual(total, 54)
        # An event without the field makes a group of its own, without it.
        rows, _ = self.run_query("stats count(*) by status | sort status")
        self.assertEqual([(r.get("status"), r["count(*)"]) for r in rows],
                         [("200", "54"), ("403", "6"), (None, "1")])

    def test_time_window_and_several_groups(self):
        self.logs.create_log_group(logGroupName="/other")
        self.logs.create_log_stream(logGroupName="/other", logStreamName="x")
        self.logs.put_log_events(logGroupName="/other", logStreamName="x", logEvents=[
            access_log(self.day0 + 1000, "o1", "GET /x", 200, "carol", 1, "10.1.1.1")])
        # Day 0 only: both ends of the window are included.
        rows, _ = self.run_query("stats count(*) as n", start=self.start,
                                 end=self.start + 86399)
        self.assertEqual(rows, [{"n": "21"}])
        qid = self.logs.start_query(logGroupNames=["/access", "/other"],
                                    startTime=self.start, endTime=self.end,
                                    queryString="stats count(*) as n by @log")["queryId"]
        self.logs.get_query_results(queryId=qid)
        answer = self.logs.get_query_results(queryId=qid)
        by_log = {r[0]["value"]: r[1]["value"] for r in
                  [sorted(row, key=lambda f: f["field"] != "@log") for row in answer["results"]]}
        self.assertEqual(by_log, {"123456789012:/access": "61", "123456789012:/other": "1"})
        self.assertEqual(answer["statistics"]["logGroupsScanned"], 2.0)

    def test_limits_and_paging(self):
        rows, _ = self.run_query("fields requestId", limit=7)
        self.assertEqual(len(rows), 7)
        qid = self.logs.start_query(logGroupName="/access", startTime=self.start,
                                    endTime=self.end, queryString="fields requestId")["queryId"]
        self.logs.get_query_results(queryId=qid)
        page = self.logs.get_query_results(queryId=qid, maxItems=25)
        self.assertEqual(len(page["results"]), 25)
        rest = self.logs.get_query_results(queryId=qid, maxItems=100,
                                           nextToken=page["nextToken"])
        self.assertEqual(len(rest["results"]), 36)
        self.assertNotIn("nextToken", rest)

    def test_stop_describe_and_errors(self):
        logs = self.logs
        qid = logs.start_query(logGroupName="/access", startTime=self.start, endTime=self.end,
                               queryString="fields @message")["queryId"]
        listed = {q["queryId"]: q["status"] for q in
                  logs.describe_queries(logGroupName="/access")["queries"]}
        self.assertEqual(listed[qid], "Running")
        self.assertTrue(logs.stop_query(queryId=qid)["success"])
        self.assertEqual(logs.get_query_results(queryId=qid)["status"], "Cancelled")
        self.assertEqual(self.code(logs.stop_query, queryId=qid), "InvalidParameterException")
        self.assertEqual(self.code(logs.get_query_results, queryId="nosuch"),
                         "ResourceNotFoundException")
        for bad in ("fields", "parse @message 'x'", "stats median(x)", "filter a ==",
                    "fields a | | limit 1"):
            self.assertEqual(self.code(logs.start_query, logGroupName="/access",
                                       startTime=self.start, endTime=self.end,
                                       queryString=bad), "MalformedQueryException", bad)
        self.assertEqual(self.code(logs.start_query, logGroupName="/nosuch", startTime=0,
                                   endTime=1, queryString="fields @message"),
                         "ResourceNotFoundException")
        self.assertEqual(self.code(logs.start_query, logGroupName="/access", startTime=10,
                                   endTime=5, queryString="fields @message"),
                         "InvalidParameterException")
        self.assertEqual(self.code(logs.start_query, logGroupName="/access",
                                   logGroupNames=["/access"], startTime=0, endTime=5,
                                   queryString="fields @message"),
                         "InvalidParameterException")
        self.assertEqual(self.code(logs.start_query, logGroupName="/access", startTime=0,
                                   endTime=5, queryString="fields @message", limit=100001),
                         "InvalidParameterException")

    def test_100000_events_in_well_under_10_seconds(self):
        logs = self.logs
        logs.create_log_group(logGroupName="/big")
        logs.create_log_stream(logGroupName="/big", logStreamName="s")
        now = int(time.time() * 1000)
        base = now - 6 * DAY
        keys = [f"key{k}" for k in range(20)]
        for batch in range(10):
            events = [access_log(base + (batch * 10000 + i) * 5000, f"b{batch}-{i}",
                                 "GET /pets/{id}", 200 if i % 50 else 500,
                                 keys[i % 20], i % 300, f"10.2.{i % 5}.{i % 250}")
                      for i in range(10000)]
            logs.put_log_events(logGroupName="/big", logStreamName="s", logEvents=events)
        started = time.monotonic()
        rows, stats = self.run_query(
            "filter ispresent(authorizer.keyName) | stats count(*) as requests, "
            "count_distinct(ip) as ips, avg(integrationLatency), "
            "pct(integrationLatency, 95) by authorizer.keyName, bin(1d) | sort requests desc",
            group="/big", start=base // 1000 - 1, end=now // 1000)
        first = time.monotonic() - started
        self.assertEqual(stats["recordsScanned"], 100000.0)
        self.assertEqual(sum(int(r["requests"]) for r in rows), 100000)
        started = time.monotonic()
        rows, _ = self.run_query("filter status >= 500 | fields requestId | limit 10000",
                                 group="/big", start=base // 1000 - 1, end=now // 1000)
        second = time.monotonic() - started
        self.assertEqual(len(rows), 2000)
        print(f"\n100,000 events: stats {first:.2f} s, filter {second:.2f} s",
              file=__import__("sys").stderr)
        # The bound the name gives, 10 s: it guards against a quadratic query engine (minutes), not a
        # busy machine; 5 s failed once beside a Java build on 2 cores (5.47 s).
        self.assertLess(first, 10.0)
        self.assertLess(second, 10.0)


if __name__ == "__main__":
    unittest.main()
