"""Lambda AddPermission / GetPolicy / RemovePermission per function, version
and alias, as the launcher makes moto answer: real HTTP through boto3."""

import io
import json
import unittest
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from test_local_aws import CREDS, launch

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
INVOKE = dict(Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com")


class AddPermissionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, endpoint = launch("--watch-stdin")
        kw = dict(endpoint_url=endpoint, config=Config(retries={"max_attempts": 1}), **CREDS)
        cls.lam = boto3.client("lambda", **kw)
        role = boto3.client("iam", **kw).create_role(
            RoleName="fn", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        zipped = io.BytesIO()
        with zipfile.ZipFile(zipped, "w") as z:
            z.writestr("index.mjs", "export const handler = async () => true;")
        cls.lam.create_function(FunctionName="guard", Runtime="nodejs20.x", Role=role,
                                Handler="index.handler", Code={"ZipFile": zipped.getvalue()})
        cls.version = cls.lam.publish_version(FunctionName="guard")["Version"]
        cls.lam.create_alias(FunctionName="guard", Name="live", FunctionVersion=cls.version)
        cls.arn = cls.lam.get_function(FunctionName="guard")["Configuration"]["FunctionArn"]

    @classmethod
    def tearDownClass(cls):
        cls.proc.stdin.close()
        cls.proc.wait(timeout=10)
        cls.proc.stdout.close()
        cls.proc.stderr.close()

    def statements(self, **kw):
        policy = self.lam.get_policy(FunctionName="guard", **kw)["Policy"]
        return [(s["Sid"], s["Resource"]) for s in json.loads(policy)["Statement"]]

    def refused(self, **kw):
        with self.assertRaises(ClientError) as cm:
            self.lam.add_permission(FunctionName="guard", **INVOKE, **kw)
        return cm.exception.response

    def test_duplicate_statement_id_is_a_409_conflict_per_qualifier(self):
        self.lam.add_permission(FunctionName="guard", StatementId="dup", **INVOKE)
        err = self.refused(StatementId="dup")
        self.assertEqual(err["Error"]["Code"], "ResourceConflictException")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 409)
        self.assertEqual(err["Error"]["Message"],
                         "The statement id (dup) provided already exists. Please provide "
                         "a new statement id, or remove the existing statement.")
        self.assertEqual([s for s in self.statements() if s[0] == "dup"],
                         [("dup", self.arn)])  # the refused one was not kept
        # The alias and the version have policies of their own.
        self.lam.add_permission(FunctionName="guard", StatementId="dup", Qualifier="live",
                                **INVOKE)
        self.lam.add_permission(FunctionName="guard", StatementId="dup",
                                Qualifier=self.version, **INVOKE)
        self.assertEqual(self.refused(StatementId="dup", Qualifier="live")["Error"]["Code"],
                         "ResourceConflictException")
        with self.assertRaises(ClientError) as cm:  # qualified name = Qualifier
            self.lam.add_permission(FunctionName="guard:live", StatementId="dup", **INVOKE)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceConflictException")

    def test_each_qualifier_reads_and_removes_its_own_statements(self):
        self.lam.add_permission(FunctionName="guard", StatementId="own", **INVOKE)
        self.lam.add_permission(FunctionName="guard", StatementId="own", Qualifier="live",
                                **INVOKE)
        self.lam.add_permission(FunctionName=self.arn + ":live", StatementId="viaarn",
                                **INVOKE)
        self.assertIn(("own", self.arn), self.statements())
        self.assertNotIn(("own", self.arn + ":live"), self.statements())
        live = self.statements(Qualifier="live")
        self.assertIn(("own", self.arn + ":live"), live)
        self.assertIn(("viaarn", self.arn + ":live"), live)
        self.assertNotIn(("own", self.arn), live)
        # Removing the alias's statement leaves the function's in place.
        self.lam.remove_permission(FunctionName="guard", StatementId="own", Qualifier="live")
        self.assertNotIn(("own", self.arn + ":live"), self.statements(Qualifier="live"))
        self.assertIn(("own", self.arn), self.statements())
        with self.assertRaises(ClientError) as cm:
            self.lam.remove_permission(FunctionName="guard", StatementId="own",
                                       Qualifier="live")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")

    def test_a_qualifier_without_statements_has_no_policy(self):
        alias = self.lam.create_alias(FunctionName="guard", Name="empty",
                                      FunctionVersion=self.version)["Name"]
        with self.assertRaises(ClientError) as cm:
            self.lam.get_policy(FunctionName="guard", Qualifier=alias)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")


if __name__ == "__main__":
    unittest.main()
