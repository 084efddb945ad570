"""Stages, deployments, ExportApi and ResetAuthorizersCache as the launcher
adds them to moto's apigatewayv2: real HTTP through boto3 against a launched
scripts/local_aws.py."""

import json
import urllib.request
import unittest

import boto3
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError

from test_local_aws import CREDS, launch

FN = "arn:aws:lambda:us-east-1:123456789012:function:"
AUTH_URI = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            + FN + "guard/invocations")


class Emulator(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.endpoint = launch("--watch-stdin")
        cls.apigw = boto3.client("apigatewayv2", endpoint_url=cls.endpoint,
                                 config=Config(retries={"max_attempts": 1}),
                                 **CREDS)

    @classmethod
    def tearDownClass(cls):
        cls.proc.stdin.close()
        cls.proc.wait(timeout=10)
        cls.proc.stdout.close()
        cls.proc.stderr.close()

    def error(self, call, **kw):
        with self.assertRaises(ClientError) as cm:
            call(**kw)
        return cm.exception.response

    def assertError(self, code, status, call, **kw):
        err = self.error(call, **kw)
        self.assertEqual(err["Error"]["Code"], code)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status)
        return err

    def api(self, name="shop"):
        """An HTTP API with a Lambda integration, two public routes and a
        REQUEST authorizer that no route uses yet."""
        a = self.apigw
        api_id = a.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
        integ = a.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=FN + "shop",
            PayloadFormatVersion="2.0")["IntegrationId"]
        auth = a.create_authorizer(
            ApiId=api_id, AuthorizerType="REQUEST", Name="api-key",
            AuthorizerUri=AUTH_URI, IdentitySource=["$request.header.x-api-key"],
            AuthorizerPayloadFormatVersion="2.0", EnableSimpleResponses=True,
            AuthorizerResultTtlInSeconds=300)["AuthorizerId"]
        routes = {key: a.create_route(ApiId=api_id, RouteKey=key,
                                      Target="integrations/" + integ)["RouteId"]
                  for key in ("GET /pets/{id}", "$default")}
        return api_id, integ, auth, routes

    def protect(self, api_id, route_id, auth):
        self.apigw.update_route(ApiId=api_id, RouteId=route_id,
                                AuthorizationType="CUSTOM", AuthorizerId=auth)

    def export(self, api_id, **kw):
        kw.setdefault("OutputType", "JSON")
        body = self.apigw.export_api(ApiId=api_id, Specification="OAS30",
                                     **kw)["body"].read()
        return json.loads(body) if kw["OutputType"] == "JSON" else yaml.safe_load(body)

    def secured(self, doc, path, method):
        return doc["paths"][path][method].get("security")


class StagesTest(Emulator):
    def test_create_get_update_delete_stage(self):
        a = self.apigw
        api_id, *_ = self.api()
        created = a.create_stage(ApiId=api_id, StageName="prod", Description="live")
        self.assertEqual(created["StageName"], "prod")
        self.assertNotIn("DeploymentId", created)  # nothing deployed yet
        a.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
        self.assertEqual(a.get_stage(ApiId=api_id, StageName="$default")["AutoDeploy"], True)
        self.assertEqual(sorted(s["StageName"] for s in a.get_stages(ApiId=api_id)["Items"]),
                         ["$default", "prod"])
        # A name already taken, an invalid name, an unknown deployment.
        self.assertError("ConflictException", 409, a.create_stage,
                         ApiId=api_id, StageName="prod")
        self.assertError("BadRequestException", 400, a.create_stage,
                         ApiId=api_id, StageName="has space")
        self.assertError("NotFoundException", 404, a.create_stage,
                         ApiId=api_id, StageName="beta", DeploymentId="nosuch")
        self.assertError("NotFoundException", 404, a.create_stage,
                         ApiId="nosuchapi", StageName="beta")
        # UpdateStage: fields change; a deploymentId must exist.
        dep = a.create_deployment(ApiId=api_id)["DeploymentId"]
        updated = a.update_stage(ApiId=api_id, StageName="prod", DeploymentId=dep,
                                 Description="v2", StageVariables={"k": "v"})
        self.assertEqual((updated["DeploymentId"], updated["Description"],
                          updated["StageVariables"]), (dep, "v2", {"k": "v"}))
        self.assertEqual(a.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"], dep)
        self.assertError("NotFoundException", 404, a.update_stage,
                         ApiId=api_id, StageName="prod", DeploymentId="nosuch")
        self.assertError("NotFoundException", 404, a.update_stage,
                         ApiId=api_id, StageName="nosuch", Description="x")
        # DeleteStage: gone afterwards; an unknown stage is NotFoundException.
        a.delete_stage(ApiId=api_id, StageName="prod")
        self.assertError("NotFoundException", 404, a.get_stage,
                         ApiId=api_id, StageName="prod")
        self.assertError("NotFoundException", 404, a.delete_stage,
                         ApiId=api_id, StageName="prod")

    def test_get_stages_pages(self):
        api_id, *_ = self.api()
        for name in ("a", "b", "c"):
            self.apigw.create_stage(ApiId=api_id, StageName=name)
        p1 = self.apigw.get_stages(ApiId=api_id, MaxResults="2")
        p2 = self.apigw.get_stages(ApiId=api_id, MaxResults="2", NextToken=p1["NextToken"])
        self.assertEqual([len(p1["Items"]), len(p2["Items"])], [2, 1])
        self.assertNotIn("NextToken", p2)
        self.assertEqual({s["StageName"] for s in p1["Items"] + p2["Items"]}, {"a", "b", "c"})


class DeploymentsTest(Emulator):
    def test_no_routes_cannot_be_deployed(self):
        api_id = self.apigw.create_api(Name="empty", ProtocolType="HTTP")["ApiId"]
        err = self.assertError("BadRequestException", 400, self.apigw.create_deployment,
                               ApiId=api_id)
        self.assertEqual(err["Error"]["Message"],
                         "Unable to deploy API because no routes exist in this API")
        self.assertEqual(self.apigw.get_deployments(ApiId=api_id)["Items"], [])

    def test_stage_serves_its_deployment_until_redeployed(self):
        a = self.apigw
        api_id, _, auth, routes = self.api()
        a.create_stage(ApiId=api_id, StageName="prod")
        first = a.create_deployment(ApiId=api_id, StageName="prod", Description="before")
        self.assertEqual((first["AutoDeployed"], first["DeploymentStatus"],
                          first["Description"]), (False, "PENDING", "before"))
        self.assertEqual(a.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"],
                         first["DeploymentId"])
        self.protect(api_id, routes["GET /pets/{id}"], auth)
        # The live configuration has the authorizer; prod still serves the
        # snapshot taken before it.
        self.assertEqual(self.secured(self.export(api_id), "/pets/{id}", "get"),
                         [{"api-key": []}])
        self.assertIsNone(self.secured(self.export(api_id, StageName="prod"),
                                       "/pets/{id}", "get"))
        # A deployment without StageName changes no stage.
        loose = a.create_deployment(ApiId=api_id)["DeploymentId"]
        self.assertEqual(a.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"],
                         first["DeploymentId"])
        self.assertIsNone(self.secured(self.export(api_id, StageName="prod"),
                                       "/pets/{id}", "get"))
        # Deploying to prod releases the change.
        second = a.create_deployment(ApiId=api_id, StageName="prod")["DeploymentId"]
        self.assertEqual(a.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"], second)
        self.assertEqual(self.secured(self.export(api_id, StageName="prod"),
                                      "/pets/{id}", "get"), [{"api-key": []}])
        # Pointing the stage back at the first deployment serves it again.
        a.update_stage(ApiId=api_id, StageName="prod", DeploymentId=first["DeploymentId"])
        self.assertIsNone(self.secured(self.export(api_id, StageName="prod"),
                                       "/pets/{id}", "get"))
        self.assertEqual({d["DeploymentId"] for d in a.get_deployments(ApiId=api_id)["Items"]},
                         {first["DeploymentId"], loose, second})
        self.assertError("NotFoundException", 404, a.create_deployment,
                         ApiId=api_id, StageName="nosuch")

    def test_auto_deploy_stage_follows_live_configuration(self):
        a = self.apigw
        api_id, _, auth, routes = self.api()
        a.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
        before = a.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"]
        self.assertTrue(a.get_deployment(ApiId=api_id, DeploymentId=before)["AutoDeployed"])
        self.protect(api_id, routes["$default"], auth)
        doc = self.export(api_id, StageName="$default")
        self.assertEqual(self.secured(doc, "/$default", "x-amazon-apigateway-any-method"),
                         [{"api-key": []}])
        after = a.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"]
        self.assertNotEqual(after, before)  # AWS redeployed it on the change
        dep = a.get_deployment(ApiId=api_id, DeploymentId=after)
        self.assertEqual((dep["AutoDeployed"], dep["Description"]),
                         (True, "Automatic deployment triggered by changes to the "
                                "Api configuration"))
        # Turning AutoDeploy off freezes the stage on its last deployment.
        a.update_stage(ApiId=api_id, StageName="$default", AutoDeploy=False)
        a.update_route(ApiId=api_id, RouteId=routes["$default"], AuthorizationType="NONE",
                       AuthorizerId="")
        self.assertEqual(self.secured(self.export(api_id, StageName="$default"),
                                      "/$default", "x-amazon-apigateway-any-method"),
                         [{"api-key": []}])
        self.assertEqual(a.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"],
                         after)

    def test_get_deployments_pages_and_delete(self):
        a = self.apigw
        api_id, *_ = self.api()
        made = [a.create_deployment(ApiId=api_id, Description=f"d{i}")["DeploymentId"]
                for i in range(3)]
        p1 = a.get_deployments(ApiId=api_id, MaxResults="2")
        self.assertEqual(len(p1["Items"]), 2)
        p2 = a.get_deployments(ApiId=api_id, MaxResults="2", NextToken=p1["NextToken"])
        self.assertEqual(len(p2["Items"]), 1)
        self.assertNotIn("NextToken", p2)
        self.assertEqual([d["DeploymentId"] for d in p1["Items"] + p2["Items"]], made)
        pages = a.get_paginator("get_deployments").paginate(
            ApiId=api_id, PaginationConfig={"PageSize": 1})
        self.assertEqual(sum(len(p["Items"]) for p in pages), 3)
        self.assertError("BadRequestException", 400, a.get_deployments,
                         ApiId=api_id, NextToken="garbage")
        self.assertError("BadRequestException", 400, a.get_deployments,
                         ApiId=api_id, MaxResults="0")
        one = a.get_deployment(ApiId=api_id, DeploymentId=made[1])
        self.assertEqual((one["DeploymentId"], one["Description"]), (made[1], "d1"))
        a.delete_deployment(ApiId=api_id, DeploymentId=made[1])
        self.assertError("NotFoundException", 404, a.get_deployment,
                         ApiId=api_id, DeploymentId=made[1])
        self.assertError("NotFoundException", 404, a.delete_deployment,
                         ApiId=api_id, DeploymentId=made[1])
        self.assertError("NotFoundException", 404, a.get_deployments, ApiId="nosuchapi")
        self.assertEqual([d["DeploymentId"] for d in a.get_deployments(ApiId=api_id)["Items"]],
                         [made[0], made[2]])


class ExportApiTest(Emulator):
    def test_live_export_matches_the_aws_extension_shapes(self):
        a = self.apigw
        api_id, integ, auth, routes = self.api()
        proxy = a.create_route(ApiId=api_id, RouteKey="ANY /{proxy+}",
                               Target="integrations/" + integ)["RouteId"]
        self.protect(api_id, routes["GET /pets/{id}"], auth)
        self.protect(api_id, proxy, auth)
        doc = self.export(api_id)
        self.assertEqual(doc["openapi"], "3.0.1")
        self.assertEqual(doc["info"]["title"], "shop")
        self.assertEqual(doc["x-amazon-apigateway-importexport-version"], "1.0")
        self.assertEqual(set(doc["paths"]), {"/pets/{id}", "/{proxy+}", "/$default"})
        get = doc["paths"]["/pets/{id}"]["get"]
        self.assertEqual(get["security"], [{"api-key": []}])
        self.assertEqual(get["parameters"][0]["name"], "id")
        self.assertEqual(get["x-amazon-apigateway-integration"], {
            "payloadFormatVersion": "2.0", "type": "aws_proxy", "httpMethod": "POST",
            "uri": FN + "shop", "connectionType": "INTERNET", "timeoutInMillis": 30000})
        anym = doc["paths"]["/{proxy+}"]["x-amazon-apigateway-any-method"]
        self.assertEqual(anym["security"], [{"api-key": []}])
        default = doc["paths"]["/$default"]["x-amazon-apigateway-any-method"]
        self.assertTrue(default["isDefaultRoute"])
        self.assertNotIn("security", default)  # still public
        self.assertEqual(doc["components"]["securitySchemes"], {"api-key": {
            "type": "apiKey", "name": "x-api-key", "in": "header",
            "x-amazon-apigateway-authorizer": {
                "type": "request",
                "identitySource": "$request.header.x-api-key",
                "authorizerUri": AUTH_URI,
                "authorizerPayloadFormatVersion": "2.0",
                "authorizerResultTtlInSeconds": 300,
                "enableSimpleResponses": True}}})
        # YAML says the same; without extensions none of them remain.
        self.assertEqual(self.export(api_id, OutputType="YAML"), doc)
        bare = json.dumps(self.export(api_id, IncludeExtensions=False))
        self.assertNotIn("x-amazon-apigateway-integration", bare)
        self.assertNotIn("x-amazon-apigateway-authorizer", bare)
        self.assertIn('"security": [{"api-key": []}]', bare)

    def test_several_identity_sources_name_an_unused_header(self):
        a = self.apigw
        api_id, _, _, routes = self.api()
        auth = a.create_authorizer(
            ApiId=api_id, AuthorizerType="REQUEST", Name="two", AuthorizerUri=AUTH_URI,
            IdentitySource=["$request.header.x-api-key", "$request.querystring.k"],
            AuthorizerPayloadFormatVersion="2.0", EnableSimpleResponses=True)["AuthorizerId"]
        self.protect(api_id, routes["$default"], auth)
        scheme = self.export(api_id)["components"]["securitySchemes"]["two"]
        self.assertEqual((scheme["name"], scheme["in"]), ("Unused", "header"))
        self.assertEqual(scheme["x-amazon-apigateway-authorizer"]["identitySource"],
                         "$request.header.x-api-key, $request.querystring.k")

    def test_stage_without_deployment_serves_nothing(self):
        api_id, *_ = self.api()
        self.apigw.create_stage(ApiId=api_id, StageName="dev")
        self.assertEqual(self.export(api_id, StageName="dev")["paths"], {})

    def test_bad_requests(self):
        a = self.apigw
        api_id, *_ = self.api()
        self.assertError("NotFoundException", 404, a.export_api, ApiId=api_id,
                         Specification="OAS30", OutputType="JSON", StageName="nosuch")
        self.assertError("NotFoundException", 404, a.export_api, ApiId="nosuchapi",
                         Specification="OAS30", OutputType="JSON")
        self.assertError("BadRequestException", 400, a.export_api, ApiId=api_id,
                         Specification="SWAGGER2", OutputType="JSON")
        self.assertError("BadRequestException", 400, a.export_api, ApiId=api_id,
                         Specification="OAS30", OutputType="XML")
        self.assertError("BadRequestException", 400, a.export_api, ApiId=api_id,
                         Specification="OAS30", OutputType="JSON", ExportVersion="2.0")


class ResetAuthorizersCacheTest(Emulator):
    def log(self, api_id=None):
        url = self.endpoint + "/_secure_api/reset-cache-log"
        if api_id:
            url += "?apiId=" + api_id
        with urllib.request.urlopen(url) as resp:
            return json.loads(resp.read())["resets"]

    def test_reset_is_204_and_recorded_in_order(self):
        a = self.apigw
        api_id, *_ = self.api()
        other, *_ = self.api("other")
        for api, stage in ((api_id, "$default"), (api_id, "prod"), (other, "prod")):
            a.create_stage(ApiId=api, StageName=stage)
        self.assertEqual(self.log(api_id), [])
        resp = a.reset_authorizers_cache(ApiId=api_id, StageName="prod")
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 204)
        a.reset_authorizers_cache(ApiId=other, StageName="prod")
        a.reset_authorizers_cache(ApiId=api_id, StageName="$default")
        mine = self.log(api_id)
        self.assertEqual([r["stageName"] for r in mine], ["prod", "$default"])
        self.assertLess(mine[0]["seq"], mine[1]["seq"])
        self.assertLessEqual(mine[0]["time"], mine[1]["time"])
        self.assertEqual({(r["account"], r["region"]) for r in mine},
                         {("123456789012", "us-east-1")})
        everyone = self.log()
        self.assertTrue({api_id, other} <= {r["apiId"] for r in everyone})
        # Unknown API or stage: NotFoundException, nothing recorded.
        self.assertError("NotFoundException", 404, a.reset_authorizers_cache,
                         ApiId=api_id, StageName="nosuch")
        self.assertError("NotFoundException", 404, a.reset_authorizers_cache,
                         ApiId="nosuchapi", StageName="prod")
        self.assertEqual(len(self.log(api_id)), 2)


if __name__ == "__main__":
    unittest.main()
