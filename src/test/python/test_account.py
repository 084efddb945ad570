"""Account ListRegions as the launcher adds it to moto, and the test-only
POST /_secure_api/regions that sets an opt-in Region's status: real HTTP
through boto3 against a launched scripts/local_aws.py."""

import json
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from test_local_aws import CREDS, launch

DEFAULTS = {"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
            "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
            "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
            "ap-southeast-2", "ap-south-1", "sa-east-1"}


def post(endpoint, path, doc):
    req = urllib.request.Request(endpoint + path, data=json.dumps(doc).encode(),
                                 method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class ListRegionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.endpoint = launch("--watch-stdin")
        cls.account = boto3.client("account", endpoint_url=cls.endpoint,
                                   config=Config(retries={"max_attempts": 1}),
                                   **CREDS)

    @classmethod
    def tearDownClass(cls):
        cls.proc.stdin.close()
        cls.proc.wait(timeout=10)
        cls.proc.stdout.close()
        cls.proc.stderr.close()

    def all_regions(self, **kw):
        pages = self.account.get_paginator("list_regions").paginate(**kw)
        return {r["RegionName"]: r["RegionOptStatus"] for p in pages for r in p["Regions"]}

    def error(self, **kw):
        with self.assertRaises(ClientError) as cm:
            self.account.list_regions(**kw)
        return (cm.exception.response["Error"]["Code"],
                cm.exception.response["ResponseMetadata"]["HTTPStatusCode"])

    def test_default_regions_enabled_by_default_opt_in_regions_disabled(self):
        regions = self.all_regions()
        self.assertTrue(DEFAULTS <= set(regions))
        for name, status in regions.items():
            if name in DEFAULTS:
                self.assertEqual(status, "ENABLED_BY_DEFAULT", name)
            elif name != "me-central-1":  # enabled by another test
                self.assertIn(status, ("DISABLED", "ENABLED"), name)
        self.assertTrue({"af-south-1", "ap-east-1", "me-south-1"} <= set(regions))
        self.assertFalse(any(r.startswith(("cn-", "us-gov-")) for r in regions))

    def test_pages_by_max_results_and_default_page_size(self):
        total = len(self.all_regions())
        first = self.account.list_regions()
        self.assertEqual(len(first["Regions"]), 20)  # undocumented default, < total
        self.assertIn("NextToken", first)
        seen, sizes, token = [], [], None
        while True:
            kw = {"NextToken": token} if token else {}
            page = self.account.list_regions(MaxResults=7, **kw)
            sizes.append(len(page["Regions"]))
            seen += [r["RegionName"] for r in page["Regions"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(len(seen), total)
        self.assertEqual(len(set(seen)), total)
        self.assertTrue(all(s == 7 for s in sizes[:-1]))
        self.assertEqual(self.account.list_regions(MaxResults=50)
                         .get("NextToken"), None)

    def test_filter_and_test_endpoint(self):
        status, doc = post(self.endpoint, "/_secure_api/regions",
                           {"regionName": "me-central-1", "status": "ENABLED"})
        self.assertEqual((status, doc["status"]), (200, "ENABLED"))
        enabled = self.all_regions(RegionOptStatusContains=["ENABLED"])
        self.assertEqual(enabled, {"me-central-1": "ENABLED"})
        both = self.all_regions(RegionOptStatusContains=["ENABLED", "ENABLED_BY_DEFAULT"])
        self.assertEqual(set(both), DEFAULTS | {"me-central-1"})
        self.assertNotIn("me-central-1",
                         self.all_regions(RegionOptStatusContains=["DISABLED"]))
        post(self.endpoint, "/_secure_api/regions",
             {"regionName": "me-central-1", "status": "DISABLED"})
        self.assertEqual(self.all_regions()["me-central-1"], "DISABLED")
        # Another account's setting does not leak into this one.
        post(self.endpoint, "/_secure_api/regions",
             {"regionName": "il-central-1", "status": "ENABLED",
              "accountId": "111122223333"})
        self.assertEqual(self.all_regions()["il-central-1"], "DISABLED")
        # Default Regions cannot be enabled or disabled; unknown Regions and
        # statuses are refused.
        for bad in ({"regionName": "us-east-1", "status": "DISABLED"},
                    {"regionName": "us-east-99", "status": "ENABLED"},
                    {"regionName": "ap-east-1", "status": "ON"}):
            self.assertEqual(post(self.endpoint, "/_secure_api/regions", bad)[0], 400)

    def test_validation(self):
        self.assertEqual(self.error(MaxResults=51), ("ValidationException", 400))
        self.assertEqual(self.error(NextToken="garbage"), ("ValidationException", 400))
        token = self.account.list_regions(MaxResults=2)["NextToken"]
        # A token from an unfiltered listing does not continue a filtered one.
        self.assertEqual(self.error(NextToken=token,
                                    RegionOptStatusContains=["DISABLED"]),
                         ("ValidationException", 400))
        self.assertEqual(self.error(RegionOptStatusContains=["ON"]),
                         ("ValidationException", 400))
        self.assertEqual(self.error(AccountId="111122223333"),
                         ("AccessDeniedException", 403))


if __name__ == "__main__":
    unittest.main()
