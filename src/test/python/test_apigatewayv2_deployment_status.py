"""Deployment status as the launcher emulates it: CreateDeployment answers
PENDING and the deployment settles to DEPLOYED (or FAILED, through the
test-only POST /_secure_api/fail-deployments); AutoDeploy stages carry
LastDeploymentStatusMessage. Real HTTP through boto3 against a launched
scripts/local_aws.py."""

import json
import time
import unittest
import urllib.error
import urllib.request

from test_apigatewayv2_stages import Emulator

SETTLE = 0.3  # DEPLOYMENT_PENDING_SECONDS in scripts/local_aws.py


def post(endpoint, path, doc):
    req = urllib.request.Request(endpoint + path, data=json.dumps(doc).encode(),
                                 method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class DeploymentStatusTest(Emulator):
    def fail(self, api_id, message, count=1):
        status, doc = post(self.endpoint, "/_secure_api/fail-deployments",
                           {"apiId": api_id, "message": message, "count": count})
        self.assertEqual(status, 200, doc)

    def wait_settled(self, api_id, dep_id):
        """Poll GetDeployment as a client would; return (polls, answer)."""
        polls = 0
        deadline = time.monotonic() + 5
        while True:
            dep = self.apigw.get_deployment(ApiId=api_id, DeploymentId=dep_id)
            polls += 1
            if dep["DeploymentStatus"] != "PENDING" or time.monotonic() > deadline:
                return polls, dep
            time.sleep(0.05)

    def test_create_deployment_is_pending_then_deployed(self):
        a = self.apigw
        api_id, *_ = self.api()
        a.create_stage(ApiId=api_id, StageName="prod")
        created = a.create_deployment(ApiId=api_id, StageName="prod")
        self.assertEqual(created["DeploymentStatus"], "PENDING")
        self.assertNotIn("DeploymentStatusMessage", created)
        dep_id = created["DeploymentId"]
        self.assertEqual(a.get_deployment(ApiId=api_id, DeploymentId=dep_id)
                         ["DeploymentStatus"], "PENDING")
        # The stage names the new deployment while it is pending and after.
        self.assertEqual(a.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"], dep_id)
        polls, dep = self.wait_settled(api_id, dep_id)
        self.assertGreater(polls, 1)
        self.assertEqual(dep["DeploymentStatus"], "DEPLOYED")
        self.assertNotIn("DeploymentStatusMessage", dep)
        listed = {d["DeploymentId"]: d["DeploymentStatus"]
                  for d in a.get_deployments(ApiId=api_id)["Items"]}
        self.assertEqual(listed[dep_id], "DEPLOYED")
        self.assertEqual(a.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"], dep_id)
        # A stage without AutoDeploy has no LastDeploymentStatusMessage
        # (get-stages example: only AutoDeploy stages carry one).
        self.assertNotIn("LastDeploymentStatusMessage",
                         a.get_stage(ApiId=api_id, StageName="prod"))

    def test_failed_create_deployment_keeps_the_stage_on_its_previous_deployment(self):
        a = self.apigw
        api_id, *_ = self.api()
        a.create_stage(ApiId=api_id, StageName="prod")
        good = a.create_deployment(ApiId=api_id, StageName="prod")["DeploymentId"]
        self.wait_settled(api_id, good)
        self.fail(api_id, "Execution failed due to configuration error: bad integration")
        created = a.create_deployment(ApiId=api_id, StageName="prod")
        self.assertEqual(created["DeploymentStatus"], "PENDING")
        bad = created["DeploymentId"]
        _, dep = self.wait_settled(api_id, bad)
        self.assertEqual((dep["DeploymentStatus"], dep["DeploymentStatusMessage"]),
                         ("FAILED", "Execution failed due to configuration error: "
                                    "bad integration"))
        self.assertEqual(a.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"], good)
        # count 1: the next deployment succeeds again.
        again = a.create_deployment(ApiId=api_id, StageName="prod")["DeploymentId"]
        self.assertEqual(self.wait_settled(api_id, again)[1]["DeploymentStatus"], "DEPLOYED")
        self.assertEqual(a.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"], again)

    def test_count_and_clear(self):
        a = self.apigw
        api_id, *_ = self.api()
        self.fail(api_id, "nope", count=2)
        ids = [a.create_deployment(ApiId=api_id)["DeploymentId"] for _ in range(3)]
        time.sleep(SETTLE + 0.1)
        self.assertEqual([a.get_deployment(ApiId=api_id, DeploymentId=i)["DeploymentStatus"]
                          for i in ids], ["FAILED", "FAILED", "DEPLOYED"])
        self.fail(api_id, "nope", count=5)
        self.fail(api_id, "nope", count=0)  # clears
        dep = a.create_deployment(ApiId=api_id)["DeploymentId"]
        self.assertEqual(self.wait_settled(api_id, dep)[1]["DeploymentStatus"], "DEPLOYED")

    def test_auto_deploy_message_and_failed_auto_deploy(self):
        a = self.apigw
        api_id, _, auth, routes = self.api()
        a.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
        stage = a.get_stage(ApiId=api_id, StageName="$default")
        first = stage["DeploymentId"]
        self.assertEqual(stage["LastDeploymentStatusMessage"],
                         f"Successfully deployed stage with deployment ID '{first}'")
        self.assertEqual(a.get_deployment(ApiId=api_id, DeploymentId=first)
                         ["DeploymentStatus"], "DEPLOYED")
        # The next automatic deployment fails: the stage keeps serving the
        # previous one and says why.
        self.fail(api_id, "Unable to deploy: integration is invalid")
        self.protect(api_id, routes["GET /pets/{id}"], auth)
        stage = a.get_stage(ApiId=api_id, StageName="$default")
        self.assertEqual(stage["DeploymentId"], first)
        self.assertEqual(stage["LastDeploymentStatusMessage"],
                         "Unable to deploy: integration is invalid")
        self.assertIsNone(self.secured(self.export(api_id, StageName="$default"),
                                       "/pets/{id}", "get"))
        failed = [d for d in a.get_deployments(ApiId=api_id)["Items"]
                  if d["DeploymentStatus"] == "FAILED"]
        self.assertEqual(len(failed), 1)
        self.assertTrue(failed[0]["AutoDeployed"])
        self.assertEqual(failed[0]["DeploymentStatusMessage"],
                         "Unable to deploy: integration is invalid")
        # Reads do not retry the failed change; the next change deploys.
        self.assertEqual(a.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"], first)
        self.protect(api_id, routes["$default"], auth)
        stage = a.get_stage(ApiId=api_id, StageName="$default")
        self.assertNotEqual(stage["DeploymentId"], first)
        self.assertEqual(stage["LastDeploymentStatusMessage"],
                         f"Successfully deployed stage with deployment ID "
                         f"'{stage['DeploymentId']}'")
        self.assertEqual(self.secured(self.export(api_id, StageName="$default"),
                                      "/pets/{id}", "get"), [{"api-key": []}])

    def test_fail_deployments_bad_requests(self):
        api_id, *_ = self.api()
        for doc, status in (({"apiId": "nosuch", "message": "x"}, 404),
                            ({"apiId": api_id}, 400),
                            ({"apiId": api_id, "message": "x", "count": -1}, 400),
                            ({"apiId": api_id, "message": "x", "count": "2"}, 400)):
            self.assertEqual(post(self.endpoint, "/_secure_api/fail-deployments", doc)[0],
                             status, doc)


if __name__ == "__main__":
    unittest.main()
