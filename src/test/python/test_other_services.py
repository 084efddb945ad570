"""KMS, Secrets Manager, IAM, CloudWatch Logs and apigatewayv2 GetApis calls
the tool makes, through the launcher: the two patched behaviours (GetKeyPolicy
without PolicyName, PutRetentionPolicy's allowed values) and the moto
behaviour the tool relies on unchanged."""

import json
import time
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from test_local_aws import CREDS, launch


class OtherServicesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.endpoint = launch("--watch-stdin")

    @classmethod
    def tearDownClass(cls):
        cls.proc.stdin.close()
        cls.proc.wait(timeout=10)
        cls.proc.stdout.close()
        cls.proc.stderr.close()

    def client(self, service, region="us-east-1"):
        creds = dict(CREDS, region_name=region)
        return boto3.client(service, endpoint_url=self.endpoint,
                            config=Config(retries={"max_attempts": 1}), **creds)

    def code(self, call, **kw):
        with self.assertRaises(ClientError) as cm:
            call(**kw)
        return cm.exception.response["Error"]["Code"]

    def test_kms_keys_by_alias_and_key_policy(self):
        kms = self.client("kms")
        key = kms.create_key(Description="secret key")["KeyMetadata"]
        kms.create_alias(AliasName="alias/secure-api-test", TargetKeyId=key["KeyId"])
        alias_arn = "arn:aws:kms:us-east-1:123456789012:alias/secure-api-test"
        for key_id in ("alias/secure-api-test", alias_arn, key["Arn"], key["KeyId"]):
            self.assertEqual(kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"], key["Arn"])
        self.assertEqual(self.code(kms.describe_key, KeyId="alias/nosuch"),
                         "NotFoundException")
        named = kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
        unnamed = kms.get_key_policy(KeyId=key["KeyId"])["Policy"]  # defaults to "default"
        self.assertEqual(named, unnamed)
        self.assertIn("kms:*", json.loads(unnamed)["Statement"][0]["Action"])
        self.assertEqual(self.code(kms.get_key_policy, KeyId=key["KeyId"], PolicyName="other"),
                         "NotFoundException")

    def test_secret_keeps_its_kms_key_id(self):
        kms, sm = self.client("kms"), self.client("secretsmanager")
        key_arn = kms.create_key()["KeyMetadata"]["Arn"]
        sm.create_secret(Name="with-cmk", SecretString="x", KmsKeyId=key_arn)
        self.assertEqual(sm.describe_secret(SecretId="with-cmk")["KmsKeyId"], key_arn)
        sm.create_secret(Name="with-default-key", SecretString="x")
        self.assertNotIn("KmsKeyId", sm.describe_secret(SecretId="with-default-key"))

    def test_a_read_without_stage_follows_awscurrent_when_it_moves(self):
        sm = self.client("secretsmanager")
        sm.create_secret(Name="moving-current", SecretString="one")
        first = sm.get_secret_value(SecretId="moving-current")["VersionId"]
        staged = sm.put_secret_value(SecretId="moving-current", SecretString="two",
                                     VersionStages=["STAGED"])["VersionId"]
        self.assertEqual(sm.get_secret_value(SecretId="moving-current")["SecretString"], "one")
        sm.update_secret_version_stage(SecretId="moving-current", VersionStage="AWSCURRENT",
                                       MoveToVersionId=staged, RemoveFromVersionId=first)
        self.assertEqual(sm.get_secret_value(SecretId="moving-current")["SecretString"], "two")
        self.assertEqual(sm.get_secret_value(SecretId="moving-current", VersionStage="AWSPREVIOUS")["SecretString"], "one")
        # RemoveFromVersionId that no longer holds AWSCURRENT fails, as AWS documents
        self.assertEqual(self.code(sm.update_secret_version_stage, SecretId="moving-current", VersionStage="AWSCURRENT",
                                   MoveToVersionId=first, RemoveFromVersionId=first), "InvalidParameterException")

    def test_iam_inline_role_policies(self):
        iam = self.client("iam")
        iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": []}))
        doc = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}
        iam.put_role_policy(RoleName="fn-role", PolicyName="kms", PolicyDocument=json.dumps(doc))
        self.assertEqual(iam.list_role_policies(RoleName="fn-role")["PolicyNames"], ["kms"])
        self.assertEqual(iam.get_role_policy(RoleName="fn-role", PolicyName="kms")
                         ["PolicyDocument"], doc)
        self.assertEqual(self.code(iam.get_role_policy, RoleName="fn-role", PolicyName="x"),
                         "NoSuchEntity")

    def test_logs_retention_values_and_queries(self):
        logs = self.client("logs")
        logs.create_log_group(logGroupName="/aws/lambda/guard")
        self.assertEqual(self.code(logs.create_log_group, logGroupName="/aws/lambda/guard"),
                         "ResourceAlreadyExistsException")
        logs.put_retention_policy(logGroupName="/aws/lambda/guard", retentionInDays=30)
        for bad in (31, 0, 4000):
            self.assertEqual(self.code(logs.put_retention_policy,
                                       logGroupName="/aws/lambda/guard", retentionInDays=bad),
                             "InvalidParameterException")
        group = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/guard")["logGroups"][0]
        self.assertEqual(group["retentionInDays"], 30)  # refused values changed nothing
        now = int(time.time())
        query = logs.start_query(logGroupName="/aws/lambda/guard", startTime=now - 3600,
                                 endTime=now, queryString="fields @message | limit 5")
        result = logs.get_query_results(queryId=query["queryId"])
        self.assertIn(result["status"], ("Scheduled", "Running", "Complete"))
        self.assertEqual(self.code(logs.start_query, logGroupName="/nosuch", startTime=0,
                                   endTime=now, queryString="fields @message"),
                         "ResourceNotFoundException")

    def test_get_apis_is_per_region_and_pages(self):
        east, west = self.client("apigatewayv2"), self.client("apigatewayv2", "eu-west-1")
        mine = {east.create_api(Name=f"east{i}", ProtocolType="HTTP")["ApiId"] for i in range(3)}
        far = west.create_api(Name="west", ProtocolType="HTTP")["ApiId"]
        seen = [a["ApiId"] for p in east.get_paginator("get_apis").paginate(
            PaginationConfig={"PageSize": 2}) for a in p["Items"]]
        self.assertTrue(mine <= set(seen))
        self.assertNotIn(far, seen)
        self.assertIn(".execute-api.eu-west-1.amazonaws.com",
                      west.get_api(ApiId=far)["ApiEndpoint"])
        self.assertEqual(self.code(east.get_api, ApiId=far), "NotFoundException")


if __name__ == "__main__":
    unittest.main()
