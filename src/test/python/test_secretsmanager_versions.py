"""Secrets Manager versions as the launcher makes moto keep them: the
100-version quota with AWS's clean-up of unlabeled versions older than 24
hours (PutSecretValue / UpdateSecret answer LimitExceededException), the
test-only POST /_secure_api/age-secret-versions, ListSecretVersionIds with
IncludeDeprecated and paging, labels kept when AWSCURRENT moves, and tags.
Real HTTP through boto3 against a launched scripts/local_aws.py."""

import json
import unittest
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from test_local_aws import CREDS, launch


class SecretVersionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.endpoint = launch("--watch-stdin")
        cls.sm = boto3.client("secretsmanager", endpoint_url=cls.endpoint,
                              config=Config(retries={"max_attempts": 1}), **CREDS)

    @classmethod
    def tearDownClass(cls):
        cls.proc.stdin.close()
        cls.proc.wait(timeout=10)
        cls.proc.stdout.close()
        cls.proc.stderr.close()

    def post(self, path, doc):
        req = urllib.request.Request(self.endpoint + path, data=json.dumps(doc).encode(),
                                     method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def age(self, name, hours):
        status, doc = self.post("/_secure_api/age-secret-versions",
                                {"secretId": name, "hours": hours})
        self.assertEqual(status, 200, doc)

    def code(self, call, **kw):
        with self.assertRaises(ClientError) as cm:
            call(**kw)
        return cm.exception.response["Error"]["Code"]

    def versions(self, name, deprecated=True):
        out, kw = [], {}
        while True:  # botocore has no paginator for this call
            page = self.sm.list_secret_version_ids(SecretId=name, MaxResults=30,
                                                   IncludeDeprecated=deprecated, **kw)
            out += page["Versions"]
            if "NextToken" not in page:
                return out
            kw["NextToken"] = page["NextToken"]

    def fill(self, name, n):
        for i in range(n):
            self.sm.put_secret_value(SecretId=name, SecretString=f"v{i}")

    def test_quota_of_100_young_versions(self):
        self.sm.create_secret(Name="busy", SecretString="v0")
        self.fill("busy", 99)  # 100 versions, all younger than 24 h
        self.assertEqual(len(self.versions("busy")), 100)
        self.assertEqual(self.code(self.sm.put_secret_value, SecretId="busy",
                                   SecretString="one too many"), "LimitExceededException")
        self.assertEqual(self.code(self.sm.update_secret, SecretId="busy",
                                   SecretString="one too many"), "LimitExceededException")
        # Nothing changed: AWSCURRENT still holds the last accepted value.
        self.assertEqual(self.sm.get_secret_value(SecretId="busy")["SecretString"], "v98")
        self.assertEqual(len(self.versions("busy")), 100)
        # UpdateSecret without a value makes no version and is not refused.
        self.sm.update_secret(SecretId="busy", Description="still fine")
        # Once the versions are 24 hours old, AWS removes unlabeled ones.
        self.age("busy", 24)
        self.sm.put_secret_value(SecretId="busy", SecretString="later")
        listed = self.versions("busy")
        self.assertEqual(len(listed), 100)
        self.assertEqual(self.sm.get_secret_value(SecretId="busy")["SecretString"], "later")

    def test_labelled_versions_are_never_removed(self):
        self.sm.create_secret(Name="labelled", SecretString="first")
        first = self.sm.get_secret_value(SecretId="labelled")["VersionId"]
        self.sm.update_secret_version_stage(SecretId="labelled", VersionStage="KEEP",
                                            MoveToVersionId=first)
        self.fill("labelled", 99)
        self.age("labelled", 48)
        self.fill("labelled", 10)  # each removes the oldest unlabeled version
        ids = {v["VersionId"]: v["VersionStages"] for v in self.versions("labelled")}
        self.assertEqual(len(ids), 100)
        self.assertEqual(ids[first], ["KEEP"])  # oldest, but labelled: kept

    def test_an_idempotent_retry_at_the_quota_is_not_refused(self):
        self.sm.create_secret(Name="retry", SecretString="v0")
        self.fill("retry", 98)
        token = "11111111-2222-3333-4444-555555555555"
        self.sm.put_secret_value(SecretId="retry", SecretString="last",
                                 ClientRequestToken=token)
        again = self.sm.put_secret_value(SecretId="retry", SecretString="last",
                                         ClientRequestToken=token)
        self.assertEqual(again["VersionId"], token)

    def test_list_secret_version_ids(self):
        sm = self.sm
        arn = sm.create_secret(Name="listed", SecretString="a")["ARN"]
        sm.put_secret_value(SecretId="listed", SecretString="b")
        sm.put_secret_value(SecretId="listed", SecretString="c")  # "a" is now unlabeled
        self.age("listed", 2)
        labelled = sm.list_secret_version_ids(SecretId="listed")
        self.assertEqual(labelled["ARN"], arn)
        self.assertEqual(sorted(s for v in labelled["Versions"] for s in v["VersionStages"]),
                         ["AWSCURRENT", "AWSPREVIOUS"])
        everything = self.versions("listed")
        self.assertEqual(len(everything), 3)
        self.assertEqual([v["VersionStages"] for v in everything if not v["VersionStages"]],
                         [[]])
        now = datetime.now(timezone.utc)
        for v in everything:
            self.assertLess(abs(now - timedelta(hours=2) - v["CreatedDate"]),
                            timedelta(minutes=5))
            self.assertNotIn("LastAccessedDate", v)
        sm.get_secret_value(SecretId="listed")
        read = [v for v in self.versions("listed") if "AWSCURRENT" in v["VersionStages"]][0]
        self.assertEqual(read["LastAccessedDate"].date(), now.date())
        # Paging by MaxResults, and a bad token or size.
        page = sm.list_secret_version_ids(SecretId="listed", IncludeDeprecated=True,
                                          MaxResults=2)
        self.assertEqual(len(page["Versions"]), 2)
        rest = sm.list_secret_version_ids(SecretId="listed", IncludeDeprecated=True,
                                          MaxResults=2, NextToken=page["NextToken"])
        self.assertEqual(len(rest["Versions"]), 1)
        self.assertNotIn("NextToken", rest)
        self.assertEqual(self.code(sm.list_secret_version_ids, SecretId="listed",
                                   NextToken="garbage"), "InvalidParameterException")
        self.assertEqual(self.code(sm.list_secret_version_ids, SecretId="listed",
                                   MaxResults=101), "ValidationException")
        self.assertEqual(self.code(sm.list_secret_version_ids, SecretId="nosuch"),
                         "ResourceNotFoundException")

    def test_awscurrent_moving_keeps_other_labels(self):
        sm = self.sm
        sm.create_secret(Name="keeps", SecretString="a")
        first = sm.get_secret_value(SecretId="keeps")["VersionId"]
        sm.update_secret_version_stage(SecretId="keeps", VersionStage="MINE",
                                       MoveToVersionId=first)
        sm.put_secret_value(SecretId="keeps", SecretString="b")
        stages = {v["VersionId"]: sorted(v["VersionStages"]) for v in self.versions("keeps")}
        self.assertEqual(stages[first], ["AWSPREVIOUS", "MINE"])

    def test_tags(self):
        sm = self.sm
        sm.create_secret(Name="tagged", SecretString="x")
        self.assertNotIn("Tags", sm.describe_secret(SecretId="tagged"))
        sm.tag_resource(SecretId="tagged", Tags=[{"Key": "secure-api:flush", "Value": "pending"},
                                                 {"Key": "team", "Value": "web"}])
        sm.tag_resource(SecretId="tagged", Tags=[{"Key": "secure-api:flush", "Value": "v2"}])
        self.assertEqual(sorted((t["Key"], t["Value"])
                                for t in sm.describe_secret(SecretId="tagged")["Tags"]),
                         [("secure-api:flush", "v2"), ("team", "web")])
        sm.put_secret_value(SecretId="tagged", SecretString="y")  # tags survive new values
        sm.untag_resource(SecretId="tagged", TagKeys=["team"])
        self.assertEqual(sm.describe_secret(SecretId="tagged")["Tags"],
                         [{"Key": "secure-api:flush", "Value": "v2"}])
        self.assertEqual(self.code(sm.tag_resource, SecretId="tagged",
                                   Tags=[{"Key": "aws:mine", "Value": "x"}]),
                         "InvalidParameterException")
        self.assertEqual(self.code(sm.tag_resource, SecretId="tagged",
                                   Tags=[{"Key": "k" * 129, "Value": "x"}]),
                         "ValidationException")
        self.assertEqual(self.code(sm.tag_resource, SecretId="tagged",
                                   Tags=[{"Key": f"k{i}", "Value": "x"} for i in range(50)]),
                         "InvalidParameterException")  # 51 with secure-api:flush
        self.assertEqual(len(sm.describe_secret(SecretId="tagged")["Tags"]), 1)
        self.assertEqual(self.code(sm.tag_resource, SecretId="nosuch",
                                   Tags=[{"Key": "a", "Value": "b"}]),
                         "ResourceNotFoundException")

    def test_age_endpoint_bad_requests(self):
        self.assertEqual(self.post("/_secure_api/age-secret-versions",
                                   {"secretId": "nosuch", "hours": 1})[0], 404)
        self.assertEqual(self.post("/_secure_api/age-secret-versions",
                                   {"secretId": "x", "hours": -1})[0], 400)


if __name__ == "__main__":
    unittest.main()
