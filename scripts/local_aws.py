#!/usr/bin/env python3
"""Local AWS emulator for secure-api tests and the demo.

Runs moto's own ThreadedMotoServer (moto 5.2) on 127.0.0.1 and, once it
listens, prints exactly one line ``http://127.0.0.1:PORT`` to stdout. Nothing
else is ever written to stdout.

    python3 scripts/local_aws.py [--port N] [--watch-stdin] [--log]

  --port N        port to bind (default 0 = pick a free port)
  --watch-stdin   also exit when stdin reaches EOF (tie the server's life to
                  a parent process that holds the write end of a pipe)
  --log           log each request to stderr (default: quiet)

Exits 0 on SIGTERM / SIGINT (and on stdin EOF with --watch-stdin).

Before serving, it makes moto behave as AWS does where the tool depends on it
(see ``apply_patches``); every addition names the AWS documentation it
follows, and none makes moto more lenient than AWS:
  apigatewayv2  GetAuthorizers; maxResults/nextToken paging for GetApis,
                GetRoutes, GetStages, GetDeployments; stages that serve a
                deployment (CreateStage/UpdateStage/DeleteStage checks,
                AutoDeploy, DeploymentId, LastDeploymentStatusMessage,
                AccessLogSettings checked as documented,
                DeleteAccessLogSettings);
                CreateDeployment (PENDING in its answer, DEPLOYED or FAILED
                0.3 s later), GetDeployment(s), DeleteDeployment; ExportApi
                (OpenAPI 3.0 with API Gateway extensions);
                ResetAuthorizersCache
  lambda        AddPermission refuses a statement id already in the policy
                of the same function, version or alias; GetPolicy and
                RemovePermission keep to the qualifier asked for
  kms           GetKeyPolicy / PutKeyPolicy default PolicyName to "default"
  logs          PutRetentionPolicy accepts only the documented day counts
  secretsmanager GetSecretValue without stage reads AWSCURRENT; a new
                AWSCURRENT version moves AWSPREVIOUS and keeps other labels;
                100-version quota (PutSecretValue / UpdateSecret with a value
                answer LimitExceededException; unlabeled versions 24 h old
                are removed first); ListSecretVersionIds with
                IncludeDeprecated, CreatedDate, LastAccessedDate, paging;
                TagResource's tag restrictions
  account       ListRegions (moto has none): the aws partition's Regions
                (botocore's endpoint data), default Regions
                ENABLED_BY_DEFAULT, opt-in Regions DISABLED unless set
                otherwise below; RegionOptStatusContains, MaxResults 1..50
                (20 when left out: AWS documents no default), NextToken

Test-only endpoints (not AWS APIs; JSON in and out, 400 for a bad request):
  GET /_secure_api/reset-cache-log[?apiId=ID]
      {"resets": [{"seq", "time", "account", "region", "apiId",
      "stageName"}, ...]} -- every ResetAuthorizersCache call that succeeded,
      oldest first, so tests can assert that (and when) a cache was flushed.
  POST /_secure_api/regions {"regionName", "status", "accountId"?}
      sets an opt-in Region's status for ListRegions (ENABLED, ENABLING,
      DISABLING or DISABLED; accountId defaults to 123456789012). A default
      Region cannot be changed, as in AWS.
  POST /_secure_api/age-secret-versions {"secretId", "hours", "region"?,
      "accountId"?}
      makes every version of the secret `hours` older (its CreatedDate
      moves back), so the 24-hour rule of the version quota can be tested
      without waiting. 404 for an unknown secret.
  POST /_secure_api/fail-deployments {"apiId", "message", "count"?}
      the API's next `count` deployments (default 1; 0 clears), made by
      CreateDeployment or automatically for an AutoDeploy stage, FAIL with
      `message` as DeploymentStatusMessage. A failed CreateDeployment is
      PENDING in its answer, FAILED once settled, and a stage it named goes
      back to its previous deployment; a failed automatic deployment leaves
      the stage on its previous deployment with `message` as the stage's
      LastDeploymentStatusMessage. 404 for an API no backend has.
"""

import argparse
import base64
import binascii
import copy
import json
import logging
import os
import random
import re
import signal
import socket
import string
import sys
import threading
import time
import warnings
from datetime import datetime, timezone
from urllib.parse import parse_qs, unquote

# ---------------------------------------------------------------------------
# Paging shared by the apigatewayv2 list calls


def _page(items, kind, scope, max_results, next_token):
    """Return (page, next_token_or_None) for an apigatewayv2 list call.

    The token is opaque to clients (urlsafe base64 of a small JSON document)
    and is bound to the call and API (or region) it came from. An unparsable,
    foreign or out-of-range token, or a maxResults that is not a positive
    integer, is a 400 BadRequestException, as AWS answers.
    """
    from moto.apigatewayv2.exceptions import BadRequestException

    limit = None
    if max_results is not None:
        try:
            limit = int(max_results)
        except ValueError:
            limit = 0
        if limit < 1:
            raise BadRequestException(f"Invalid maxResults: {max_results}")
    start = 0
    if next_token is not None:
        try:
            raw = base64.urlsafe_b64decode(next_token.encode("ascii") + b"==")
            doc = json.loads(raw)
            start = doc["o"]
            ok = (doc["k"] == kind and doc["a"] == scope
                  and isinstance(start, int) and 0 < start <= len(items))
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error):
            ok = False
        if not ok:
            raise BadRequestException("The nextToken provided is invalid.")
    end = len(items) if limit is None else min(len(items), start + limit)
    token = None
    if end < len(items):
        doc = json.dumps({"k": kind, "a": scope, "o": end}, separators=(",", ":"))
        token = base64.urlsafe_b64encode(doc.encode()).decode().rstrip("=")
    return items[start:end], token


def _list_body(items, token):
    body = {"items": items}
    if token is not None:
        body["nextToken"] = token
    return json.dumps(body)


def _paged(response, items, kind, scope):
    page, token = _page(items, kind, scope,
                        response._get_param("maxResults"),
                        response._get_param("nextToken"))
    return 200, {}, _list_body([x.to_json() for x in page], token)


def _now():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _new_id():
    # Same shape as the ids moto gives APIs, routes and stages.
    return "".join(random.choice(string.ascii_lowercase + string.digits)
                   for _ in range(6))


# ---------------------------------------------------------------------------
# apigatewayv2: deployments, stages that serve them, export, cache reset

# What AWS writes on an automatic deployment (get-deployments example,
# https://docs.aws.amazon.com/cli/latest/reference/apigatewayv2/get-deployments.html).
AUTO_DEPLOY_DESCRIPTION = \
    "Automatic deployment triggered by changes to the Api configuration"
# Stage names: "alphanumeric characters, hyphens, and underscores, or be
# $default. Maximum length is 128 characters."
# (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages.html)
STAGE_NAME = re.compile(r"^(\$default|[A-Za-z0-9_-]{1,128})$")
# AccessLogSettings of an HTTP API stage: DestinationArn is "The ARN of the
# CloudWatch Logs log group to receive access logs", Format "A single line
# format of the access logs of data, as specified by selected $context
# variables. The format must include at least $context.requestId"; both
# are "required to enable access logging"
# (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages.html,
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigatewayv2-stage-accesslogsettings.html).
# The developer guide and CDK's apigatewayv2 IAccessLogSettings also accept
# $context.extendedRequestId in its place
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-access-logging.html).
# Log group names: 1-512 of [.-_/#A-Za-z0-9]
# (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html).
LOG_GROUP_ARN = re.compile(
    r"^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[.\-_/#A-Za-z0-9]{1,512}(:\*)?$")
ACCESS_LOG_ID = re.compile(r"\$(context\.requestId|context\.extendedRequestId)\b|"
                           r"\$\{(context\.requestId|context\.extendedRequestId)\}")


def _check_access_log_settings(settings):
    """BadRequestException unless settings enable access logging as AWS allows."""
    from moto.apigatewayv2.exceptions import BadRequestException

    if settings is None:
        return
    if not isinstance(settings, dict):
        raise BadRequestException("Invalid accessLogSettings")
    arn, fmt = settings.get("destinationArn"), settings.get("format")
    if not arn or not fmt:
        raise BadRequestException(
            "Access log destination and format must both be specified to enable "
            "access logging")
    if not isinstance(arn, str) or not LOG_GROUP_ARN.match(arn):
        raise BadRequestException(
            f"Invalid destination ARN {arn}: it must be the ARN of a CloudWatch Logs "
            "log group")
    if not isinstance(fmt, str) or "\n" in fmt or "\r" in fmt:
        raise BadRequestException("Access log format must be a single line")
    if not ACCESS_LOG_ID.search(fmt):
        raise BadRequestException(
            "Access log format must contain $context.requestId or "
            "$context.extendedRequestId")

# Calls to ResetAuthorizersCache, oldest first (read by the test endpoint).
RESET_LOG = []
RESET_LOCK = threading.Lock()


# CreateDeployment's answer carries DeploymentStatus PENDING | FAILED |
# DEPLOYED (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-deployments.html);
# terraform-provider-aws polls GetDeployment after CreateDeployment until the
# status leaves PENDING (internal/service/apigatewayv2/deployment.go,
# waitDeploymentDeployed: Pending PENDING, Target DEPLOYED, FAILED's
# DeploymentStatusMessage as the error), so a client must be ready for a
# deployment that is still PENDING when CreateDeployment answers. Here every
# deployment CreateDeployment makes is PENDING for this long, then DEPLOYED
# (or FAILED, see fail-deployments): long enough that a client reading the
# status at once sees PENDING and has to poll, short enough for tests. Stage
# reads in that window already show the new DeploymentId.
DEPLOYMENT_PENDING_SECONDS = 0.3
# An AutoDeploy stage's LastDeploymentStatusMessage after a successful
# deployment (get-stages example,
# https://docs.aws.amazon.com/cli/latest/reference/apigatewayv2/get-stages.html:
# "Successfully deployed stage with deployment ID 'dty748'"; the Stage shape
# says "Supported only for stages with autoDeploy enabled").
AUTO_DEPLOY_OK = "Successfully deployed stage with deployment ID '{}'"

# Deployments to fail, set by POST /_secure_api/fail-deployments:
# {apiId: {"message": str, "count": int}}.
FAIL_DEPLOYMENTS = {}
FAIL_LOCK = threading.Lock()


def _take_failure(api_id):
    """The failure message for the API's next deployment, or None."""
    with FAIL_LOCK:
        plan = FAIL_DEPLOYMENTS.get(api_id)
        if not plan:
            return None
        plan["count"] -= 1
        if plan["count"] <= 0:
            del FAIL_DEPLOYMENTS[api_id]
        return plan["message"]


class Deployment:
    """A snapshot of an API's routes, authorizers and integrations.

    "A deployment is a snapshot of your API configuration. After you deploy an
    API to a stage, it's available for clients to invoke. You must deploy an
    API for changes to take effect. If you enable automatic deployments,
    changes to an API are automatically released for you."
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html)

    PENDING until ``pending`` seconds after creation, then FAILED with its
    failure message if it has one, DEPLOYED otherwise.
    """

    def __init__(self, snapshot, description, auto_deployed, failure=None, pending=0.0):
        self.id = _new_id()
        self.snapshot = snapshot
        self.description = description
        self.auto_deployed = auto_deployed
        self.created = _now()
        self.failure = failure
        self.settles = time.monotonic() + pending

    def status(self):
        if time.monotonic() < self.settles:
            return "PENDING"
        return "FAILED" if self.failure is not None else "DEPLOYED"

    # Deployment shape: https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-deployments.html
    def to_json(self):
        status = self.status()
        body = {
            "autoDeployed": self.auto_deployed,
            "createdDate": _iso(self.created),
            "deploymentId": self.id,
            "deploymentStatus": status,
        }
        if status == "FAILED":
            body["deploymentStatusMessage"] = self.failure
        if self.description is not None:
            body["description"] = self.description
        return body


def _snapshot(api):
    """The API's current configuration, deep-copied (what a deployment keeps)."""
    return copy.deepcopy({
        "routes": [r.to_json() for r in api.routes.values()],
        "authorizers": {k: a.to_json() for k, a in api.authorizers.items()},
        "integrations": {k: i.to_json() for k, i in api.integrations.items()},
    })


def _deployments(api):
    if not hasattr(api, "deployments"):
        api.deployments = {}
    return api.deployments


def _sync_auto_deploy(api):
    """Bring the API's stages up to date before anything is read.

    A stage that CreateDeployment pointed at a deployment that then FAILED
    goes back to the deployment it served before (AWS does not document
    this; the emulator never lets a stage serve a failed deployment).

    Every AutoDeploy stage gets a deployment of the live configuration. AWS
    redeploys such a stage on every change ("If you enable automatic
    deployments, changes to an API are automatically released for you",
    http-api-stages.html); here the redeployment happens lazily, the next time
    a stage, deployment or export is read: through the API only the
    deployment's createdDate tells the difference. Each change is deployed
    once: a failed automatic deployment (fail-deployments) leaves the stage
    on its previous deployment with the failure as its
    LastDeploymentStatusMessage until the configuration changes again. An
    API without routes cannot be deployed, so nothing happens then.
    """
    deployments = _deployments(api)
    for stage in api.stages.values():
        previous = getattr(stage, "reverts_to", False)
        if previous is False:
            continue
        dep = deployments.get(getattr(stage, "deployment_id", None))
        status = dep.status() if dep is not None else "DEPLOYED"
        if status == "FAILED":
            stage.deployment_id = previous
            stage.updated = datetime.now()
        if status != "PENDING":
            stage.reverts_to = False
    live = None
    for stage in api.stages.values():
        if not stage.auto_deploy:
            continue
        if live is None:
            live = _snapshot(api)
        if not live["routes"]:
            return
        attempted = getattr(stage, "auto_attempt", None)
        if attempted is None:
            current = deployments.get(getattr(stage, "deployment_id", None))
            attempted = current.snapshot if current is not None else None
        if attempted == live:
            continue
        # Automatic deployments happen in the background after the change;
        # by the time this lazy one is read, it has settled.
        failure = _take_failure(api.api_id)
        dep = Deployment(copy.deepcopy(live), AUTO_DEPLOY_DESCRIPTION, True, failure)
        deployments[dep.id] = dep
        stage.auto_attempt = copy.deepcopy(live)
        if failure is None:
            stage.deployment_id = dep.id
            stage.last_deployment_message = AUTO_DEPLOY_OK.format(dep.id)
        else:
            stage.last_deployment_message = failure
        stage.updated = datetime.now()


def _api_exists(api_id):
    from moto.apigatewayv2.models import apigatewayv2_backends

    for account in list(apigatewayv2_backends.values()):
        for backend in list(account.values()):
            if api_id in backend.apis:
                return True
    return False


def _fail_deployments(doc):
    """POST /_secure_api/fail-deployments {"apiId", "message", "count"?}."""
    api_id, message, count = doc.get("apiId"), doc.get("message"), doc.get("count", 1)
    if not isinstance(api_id, str) or not _api_exists(api_id):
        return 404, {"message": f"no API {api_id!r}"}
    if not isinstance(message, str) or not message:
        return 400, {"message": "message must be a non-empty string"}
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return 400, {"message": "count must be a whole number >= 0"}
    with FAIL_LOCK:
        if count == 0:
            FAIL_DEPLOYMENTS.pop(api_id, None)
        else:
            FAIL_DEPLOYMENTS[api_id] = {"message": message, "count": count}
    return 200, {"apiId": api_id, "message": message, "count": count}


def _served(api, stage):
    """What a stage serves: its deployment's snapshot (live when AutoDeploy)."""
    _sync_auto_deploy(api)
    dep = _deployments(api).get(getattr(stage, "deployment_id", None))
    if dep is None:
        return {"routes": [], "authorizers": {}, "integrations": {}}
    return dep.snapshot


def _deployment_not_found(deployment_id):
    from moto.apigatewayv2.exceptions import APIGatewayV2Error

    class DeploymentNotFound(APIGatewayV2Error):
        code = 404

    return DeploymentNotFound(
        "NotFoundException",
        f"Invalid Deployment identifier specified {deployment_id}")


def _conflict(message):
    from moto.apigatewayv2.exceptions import APIGatewayV2Error

    class Conflict(APIGatewayV2Error):
        code = 409

    return Conflict("ConflictException", message)


def _path_parameters(path):
    return [{
        "name": name,
        "in": "path",
        "description": f"Generated path parameter for {name}",
        "required": True,
        "schema": {"type": "string"},
    } for name in re.findall(r"\{([^}]+)\}", path)]


def _authorizer_scheme(auth):
    """securitySchemes entry for one authorizer, shaped as the AWS docs show.

    x-amazon-apigateway-authorizer object, "examples for HTTP APIs":
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authorizer.html
    A Lambda (REQUEST) authorizer is an apiKey scheme named after its single
    header or query identity source ("Unused" in a header otherwise); the
    extension carries type request, identitySource (comma-separated),
    authorizerUri, authorizerCredentials, authorizerPayloadFormatVersion,
    authorizerResultTtlInSeconds and enableSimpleResponses. A JWT authorizer
    is an oauth2 scheme with type jwt and jwtConfiguration.
    """
    sources = auth.get("identitySource") or []
    if isinstance(sources, str):
        sources = [s.strip() for s in sources.split(",") if s.strip()]
    ext = {"type": (auth.get("authorizerType") or "").lower()}
    if sources:
        ext["identitySource"] = ", ".join(sources)
    if ext["type"] == "jwt":
        ext["jwtConfiguration"] = auth.get("jwtConfiguration") or {}
        return {"type": "oauth2", "flows": {},
                "x-amazon-apigateway-authorizer": ext}
    for key, out in (("authorizerUri", "authorizerUri"),
                     ("authorizerCredentialsArn", "authorizerCredentials"),
                     ("authorizerPayloadFormatVersion",
                      "authorizerPayloadFormatVersion"),
                     ("authorizerResultTtlInSeconds",
                      "authorizerResultTtlInSeconds"),
                     ("enableSimpleResponses", "enableSimpleResponses")):
        if auth.get(key) is not None:
            ext[out] = auth[key]
    name, where = "Unused", "header"
    if len(sources) == 1:
        m = re.match(r"^\$request\.(header|querystring)\.(.+)$", sources[0])
        if m:
            name = m.group(2)
            where = "header" if m.group(1) == "header" else "query"
    return {"type": "apiKey", "name": name, "in": where,
            "x-amazon-apigateway-authorizer": ext}


def _integration_extension(integ):
    """x-amazon-apigateway-integration for an HTTP API integration.

    Properties per
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
    (payloadFormatVersion is required for HTTP APIs; connectionType is
    INTERNET unless VPC_LINK).
    """
    ext = {
        "payloadFormatVersion": integ.get("payloadFormatVersion"),
        "type": (integ.get("integrationType") or "").lower(),
        "httpMethod": integ.get("integrationMethod"),
        "uri": integ.get("integrationUri"),
        "connectionType": integ.get("connectionType") or "INTERNET",
        "connectionId": integ.get("connectionId"),
        "credentials": integ.get("credentialsArn"),
        "integrationSubtype": integ.get("integrationSubtype"),
        "requestParameters": integ.get("requestParameters") or None,
        "timeoutInMillis": integ.get("timeoutInMillis"),
    }
    return {k: v for k, v in ext.items() if v is not None}


def _strip_extensions(node):
    if isinstance(node, dict):
        return {k: _strip_extensions(v) for k, v in node.items()
                if not (k.startswith("x-amazon-apigateway-")
                        and k != "x-amazon-apigateway-any-method")
                and k != "isDefaultRoute"}
    if isinstance(node, list):
        return [_strip_extensions(v) for v in node]
    return node


def _openapi(api, snapshot, stage_name, include_extensions):
    """An OpenAPI 3.0 document of one configuration, as ExportApi returns it.

    Export HTTP APIs: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-export.html
    Route -> path + method; ANY -> x-amazon-apigateway-any-method; $default ->
    path "/$default" with isDefaultRoute
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-any-method.html);
    a route's authorizer -> an operation "security" requirement naming the
    authorizer's security scheme; the export version -> the
    x-amazon-apigateway-importexport-version extension
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-extensions-importexport-version.html).
    """
    info = {"title": api.name,
            "version": api.version or api.created_date.strftime("%Y-%m-%d %H:%M:%SUTC")}
    if api.description:
        info["description"] = api.description
    doc = {"openapi": "3.0.1", "info": info}
    if stage_name is not None:
        doc["servers"] = [{
            "url": api.api_endpoint + "/{basePath}",
            "variables": {"basePath": {
                "default": "" if stage_name == "$default" else stage_name}},
        }]
    else:
        doc["servers"] = [{"url": api.api_endpoint}]
    paths, schemes = {}, {}
    authorizers = snapshot["authorizers"]
    integrations = snapshot["integrations"]
    for route in sorted(snapshot["routes"], key=lambda r: r["routeKey"]):
        key = route["routeKey"]
        if key == "$default":
            path, method, op = "/$default", "x-amazon-apigateway-any-method", \
                {"isDefaultRoute": True}
        else:
            verb, _, path = key.partition(" ")
            method = ("x-amazon-apigateway-any-method" if verb == "ANY"
                      else verb.lower())
            op = {}
            params = _path_parameters(path)
            if params:
                op["parameters"] = params
        op["responses"] = {"default": {"description": f"Default response for {key}"}}
        auth_type = route.get("authorizationType") or "NONE"
        auth = authorizers.get(route.get("authorizerId") or "")
        if auth_type in ("CUSTOM", "JWT") and auth is not None:
            scopes = route.get("authorizationScopes") or [] if auth_type == "JWT" else []
            op["security"] = [{auth["name"]: scopes}]
            schemes[auth["name"]] = _authorizer_scheme(auth)
        elif auth_type == "AWS_IAM":
            op["security"] = [{"sigv4": []}]
            schemes["sigv4"] = {"type": "apiKey", "name": "Authorization",
                                "in": "header",
                                "x-amazon-apigateway-authtype": "awsSigv4"}
        target = route.get("target") or ""
        if target.startswith("integrations/"):
            integ = integrations.get(target.split("/", 1)[1])
            if integ is not None:
                op["x-amazon-apigateway-integration"] = _integration_extension(integ)
        paths.setdefault(path, {})[method] = op
    doc["paths"] = paths
    if schemes:
        doc["components"] = {"securitySchemes": schemes}
    if api.cors_configuration:
        doc["x-amazon-apigateway-cors"] = api.cors_configuration
    doc["x-amazon-apigateway-importexport-version"] = "1.0"
    return doc if include_extensions else _strip_extensions(doc)


def _patch_apigatewayv2():
    from moto.apigatewayv2 import urls
    from moto.apigatewayv2.exceptions import BadRequestException, StageNotFound
    from moto.apigatewayv2.models import ApiGatewayV2Backend, Stage
    from moto.apigatewayv2.responses import ApiGatewayV2Response as R

    # URLs moto does not route (moto answers 404 for them otherwise).
    api = "{0}/v2/apis/(?P<api_id>[^/]+)"
    urls.url_paths.update({
        api + "/deployments$": R.dispatch,
        api + "/deployments/(?P<deployment_id>[^/]+)$": R.dispatch,
        api + "/exports/(?P<specification>[^/]+)$": R.dispatch,
        api + "/stages/(?P<stage_name>[^/]+)/cache/authorizers$": R.dispatch,
        api + "/stages/(?P<stage_name>[^/]+)/accesslogsettings$": R.dispatch,
    })

    # Handlers return (status, headers, body); moto takes the HTTP status
    # from headers["status"], so 201/204 (the model's codes) go there.
    def parts(self):
        return [unquote(p) for p in self.path.split("?")[0].split("/")]

    def backend(self):
        return self.apigatewayv2_backend

    # GetAuthorizers (GET /v2/apis/{apiId}/authorizers): moto routes the URL
    # but has no handler. AWS returns {"items": [Authorizer...], "nextToken"?}
    # paged by maxResults / nextToken, and NotFoundException for an unknown
    # API. (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html)
    def get_authorizers_backend(self, api_id):
        return list(self.get_api(api_id).authorizers.values())

    def get_authorizers(self):
        api_id = parts(self)[-2]
        items = backend(self).get_authorizers(api_id)
        return _paged(self, items, "authorizers", api_id)

    ApiGatewayV2Backend.get_authorizers = get_authorizers_backend
    R.get_authorizers = get_authorizers

    # GetRoutes, GetApis: moto returns everything and ignores maxResults /
    # nextToken; AWS returns at most maxResults items plus a nextToken while
    # more remain.
    # (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-routes.html,
    #  https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html)
    def get_routes(self):
        api_id = parts(self)[-2]
        return _paged(self, backend(self).get_routes(api_id=api_id), "routes", api_id)

    def get_apis(self):
        return _paged(self, backend(self).get_apis(), "apis", self.region)

    R.get_routes = get_routes
    R.get_apis = get_apis

    # Stages (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages.html,
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename.html):
    # a stage has a DeploymentId (the deployment it serves) and AutoDeploy;
    # GetStages pages; CreateStage
    # refuses an existing name (ConflictException, 409), an invalid name
    # (BadRequestException) and an unknown deploymentId (NotFoundException);
    # DeleteStage of an unknown stage is NotFoundException (moto: silent).
    base_stage_to_json = Stage.to_json

    def stage_to_json(self):
        body = base_stage_to_json(self)
        if getattr(self, "deployment_id", None):
            body["deploymentId"] = self.deployment_id
        message = getattr(self, "last_deployment_message", None)
        if self.auto_deploy and message:
            body["lastDeploymentStatusMessage"] = message
        return body

    Stage.to_json = stage_to_json

    def find_stage(api_obj, name):
        if name not in api_obj.stages:
            raise StageNotFound()
        return api_obj.stages[name]

    def check_deployment(api_obj, deployment_id):
        if deployment_id is not None and deployment_id not in _deployments(api_obj):
            raise _deployment_not_found(deployment_id)

    def create_stage(self):
        api_id = parts(self)[-2]
        api_obj = backend(self).get_api(api_id)
        config = json.loads(self.body or "{}")
        name = config.get("stageName") or ""
        if not STAGE_NAME.match(name):
            raise BadRequestException(
                "Stage name can contain only alphanumeric characters, hyphens, "
                "and underscores, or be $default. Maximum length is 128.")
        if name in api_obj.stages:
            raise _conflict(f"Stage already exists: {name}")
        check_deployment(api_obj, config.get("deploymentId"))
        _check_access_log_settings(config.get("accessLogSettings"))
        stage = backend(self).create_stage(api_id, config)
        stage.deployment_id = config.get("deploymentId")
        _sync_auto_deploy(api_obj)
        return 201, {"status": 201}, json.dumps(stage.to_json())

    def get_stage(self):
        p = parts(self)
        api_obj = backend(self).get_api(p[-3])
        _sync_auto_deploy(api_obj)
        return 200, {}, json.dumps(find_stage(api_obj, p[-1]).to_json())

    def get_stages(self):
        api_id = parts(self)[-2]
        api_obj = backend(self).get_api(api_id)
        _sync_auto_deploy(api_obj)
        return _paged(self, list(api_obj.stages.values()), "stages", api_id)

    # UpdateStage (PATCH): moto has none. Fields as in the UpdateStage request
    # model; a deploymentId must name a deployment of this API.
    def update_stage(self):
        p = parts(self)
        api_obj = backend(self).get_api(p[-3])
        stage = find_stage(api_obj, p[-1])
        body = json.loads(self.body or "{}")
        check_deployment(api_obj, body.get("deploymentId"))
        _check_access_log_settings(body.get("accessLogSettings"))
        for key, attr in (("accessLogSettings", "access_log_settings"),
                          ("autoDeploy", "auto_deploy"),
                          ("clientCertificateId", "client_certificate_id"),
                          ("defaultRouteSettings", "default_route_settings"),
                          ("deploymentId", "deployment_id"),
                          ("description", "description"),
                          ("routeSettings", "route_settings"),
                          ("stageVariables", "stage_variables")):
            if key in body:
                setattr(stage, attr, body[key])
        if "deploymentId" in body or body.get("autoDeploy"):
            # The next automatic deployment compares with what it serves now.
            stage.auto_attempt = None
            stage.reverts_to = False
        stage.updated = datetime.now()
        _sync_auto_deploy(api_obj)
        return 200, {}, json.dumps(stage.to_json())

    def delete_stage(self):
        p = parts(self)
        api_obj = backend(self).get_api(p[-3])
        find_stage(api_obj, p[-1])
        del api_obj.stages[p[-1]]
        return 204, {"status": 204}, ""

    # DeleteAccessLogSettings (DELETE .../stages/{stageName}/accesslogsettings,
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename-accesslogsettings.html):
    # turns access logging off; 204, NotFoundException for an unknown stage.
    def delete_access_log_settings(self):
        p = parts(self)
        api_obj = backend(self).get_api(p[-4])
        stage = find_stage(api_obj, p[-2])
        stage.access_log_settings = None
        stage.updated = datetime.now()
        return 204, {"status": 204}, ""

    R.delete_access_log_settings = delete_access_log_settings
    R.create_stage = create_stage
    R.get_stage = get_stage
    R.get_stages = get_stages
    R.update_stage = update_stage
    R.delete_stage = delete_stage

    # CreateDeployment
    # (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-deployments.html):
    # snapshots the API's routes, authorizers and integrations; with
    # stageName the stage then serves the new deployment. The answer says
    # PENDING; DEPLOYMENT_PENDING_SECONDS later GetDeployment(s) say DEPLOYED,
    # or FAILED with a DeploymentStatusMessage when fail-deployments asked
    # for it (the stage then serves its previous deployment again). An API without routes cannot be
    # deployed: AWS answers BadRequestException "Unable to deploy API because
    # no routes exist in this API" (terraform-provider-aws documents "Creating
    # a deployment for an API requires at least one route", see
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/apigatewayv2_deployment).
    def create_deployment(self):
        api_id = parts(self)[-2]
        api_obj = backend(self).get_api(api_id)
        body = json.loads(self.body or "{}")
        stage = None
        if body.get("stageName") is not None:
            stage = find_stage(api_obj, body["stageName"])
        snapshot = _snapshot(api_obj)
        if not snapshot["routes"]:
            raise BadRequestException(
                "Unable to deploy API because no routes exist in this API")
        _sync_auto_deploy(api_obj)  # settle what an earlier deployment did
        dep = Deployment(snapshot, body.get("description"), False,
                         _take_failure(api_id), DEPLOYMENT_PENDING_SECONDS)
        _deployments(api_obj)[dep.id] = dep
        if stage is not None:
            stage.reverts_to = getattr(stage, "deployment_id", None)
            stage.deployment_id = dep.id
            stage.updated = datetime.now()
        return 201, {"status": 201}, json.dumps(dep.to_json())

    # GetDeployment / DeleteDeployment
    # (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-deployments-deploymentid.html):
    # NotFoundException for an unknown API or deployment; DeleteDeployment
    # answers 204.
    def find_deployment(self):
        p = parts(self)
        api_obj = backend(self).get_api(p[-3])
        _sync_auto_deploy(api_obj)
        if p[-1] not in _deployments(api_obj):
            raise _deployment_not_found(p[-1])
        return api_obj, p[-1]

    def get_deployment(self):
        api_obj, dep_id = find_deployment(self)
        return 200, {}, json.dumps(_deployments(api_obj)[dep_id].to_json())

    def delete_deployment(self):
        api_obj, dep_id = find_deployment(self)
        del _deployments(api_obj)[dep_id]
        return 204, {"status": 204}, ""

    # GetDeployments: paged by maxResults / nextToken (strings in the model).
    def get_deployments(self):
        api_id = parts(self)[-2]
        api_obj = backend(self).get_api(api_id)
        _sync_auto_deploy(api_obj)
        return _paged(self, list(_deployments(api_obj).values()), "deployments", api_id)

    R.create_deployment = create_deployment
    R.get_deployment = get_deployment
    R.delete_deployment = delete_deployment
    R.get_deployments = get_deployments

    # ExportApi
    # (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-exports-specification.html):
    # OAS30 is the only specification, JSON / YAML the only output types,
    # 1.0 the only export version; without stageName the latest configuration is exported,
    # with it what the stage serves; extensions are included by default.
    def export_api(self):
        p = parts(self)
        api_obj = backend(self).get_api(p[-3])
        spec = p[-1]
        output = self._get_param("outputType")
        stage_name = self._get_param("stageName")
        version = self._get_param("exportVersion")
        include = self._get_param("includeExtensions")
        if spec != "OAS30":
            raise BadRequestException(
                f"Invalid specification {spec}: OAS30 is the only supported value")
        if output not in ("JSON", "YAML"):
            raise BadRequestException(
                f"Invalid outputType {output}: valid values are JSON and YAML")
        if version is not None and version != "1.0":
            raise BadRequestException(
                f"Invalid exportVersion {version}: 1.0 is the only supported version")
        if include not in (None, "true", "false"):
            raise BadRequestException(f"Invalid includeExtensions {include}")
        if stage_name is not None:
            snapshot = _served(api_obj, find_stage(api_obj, stage_name))
        else:
            snapshot = _snapshot(api_obj)
        doc = _openapi(api_obj, snapshot, stage_name, include != "false")
        if output == "JSON":
            return 200, {"Content-Type": "application/json"}, json.dumps(doc, indent=2)
        import yaml
        return 200, {"Content-Type": "application/yaml"}, \
            yaml.safe_dump(doc, sort_keys=False)

    R.export_api = export_api

    # ResetAuthorizersCache (DELETE .../stages/{stageName}/cache/authorizers,
    # https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename-cache-authorizers.html):
    # 204, or NotFoundException for an unknown API or stage. Each call is
    # recorded.
    def reset_authorizers_cache(self):
        p = parts(self)
        api_obj = backend(self).get_api(p[-5])
        find_stage(api_obj, p[-3])
        with RESET_LOCK:
            RESET_LOG.append({
                "seq": len(RESET_LOG) + 1,
                "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                "account": self.current_account,
                "region": self.region,
                "apiId": api_obj.api_id,
                "stageName": p[-3],
            })
        return 204, {"status": 204}, ""

    R.reset_authorizers_cache = reset_authorizers_cache


# ---------------------------------------------------------------------------
# lambda


def _patch_lambda():
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.policy import Policy

    # AddPermission: "ResourceConflictException ... The resource already
    # exists" (HTTP 409) when the statement id is already in the policy of the
    # same function, version or alias
    # (https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html).
    # moto appends a duplicate. AWS's message: "The statement id (ID) provided
    # already exists. Please provide a new statement id, or remove the
    # existing statement."
    class StatementIdConflict(LambdaClientError):
        code = 409

    base_add = Policy.add_statement

    def add_statement(self, raw, qualifier=None):
        before = list(self.statements)
        statement, revision = base_add(self, raw, qualifier)
        sid = statement.get("Sid")
        if any(s.get("Sid") == sid and s.get("Resource") == statement.get("Resource")
               for s in before):
            self.statements = before
            raise StatementIdConflict(
                "ResourceConflictException",
                f"The statement id ({sid}) provided already exists. Please provide "
                "a new statement id, or remove the existing statement.")
        return statement, revision

    Policy.add_statement = add_statement

    # A function, each version and each alias have their own resource-based
    # policy: GetPolicy "Returns the resource-based IAM policy for a function,
    # version, or alias" and RemovePermission takes the same Qualifier
    # (https://docs.aws.amazon.com/lambda/latest/api/API_GetPolicy.html,
    # https://docs.aws.amazon.com/lambda/latest/api/API_RemovePermission.html).
    # moto keeps one statement list per function and ignores the qualifier,
    # so an alias's statement showed up (and was removed) as the function's.
    # Statements stay in moto's list; each call sees those whose Resource
    # carries its qualifier ($LATEST is the unqualified function).
    from moto.awslambda.exceptions import (GenericResourcNotFound,
                                           PreconditionFailedException,
                                           UnknownPolicyException)
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda.responses import LambdaResponse

    def qualifier_of(name, qualifier):
        tail = name.split(":function:")[-1] if ":function:" in name else name
        if qualifier is None and ":" in tail:
            qualifier = tail.split(":", 1)[1]
        return None if qualifier in (None, "", "$LATEST") else qualifier

    def resource_qualifier(resource):
        tail = (resource or "").split(":function:")[-1]
        return qualifier_of(tail, None)

    def get_policy(self, function_name, qualifier=None):
        fn = self.get_function(function_name, qualifier)
        wanted = qualifier_of(function_name, qualifier)
        mine = [s for s in fn.policy.statements
                if resource_qualifier(s.get("Resource")) == wanted]
        if not mine:
            raise GenericResourcNotFound()
        return json.dumps({"Policy": json.dumps({"Version": "2012-10-17", "Id": "default",
                                                 "Statement": mine}),
                           "RevisionId": fn.policy.revision})

    def remove_permission(self):
        function_name = unquote(self.path.split("/")[-3])
        sid = unquote(self.path.split("/")[-1].split("?")[0])
        qualifier = self.querystring.get("Qualifier", [None])[0]
        revision = self.querystring.get("RevisionId", [""])[0]
        fn = self.backend.get_function(function_name, qualifier)
        policy = fn.policy
        if revision and policy.revision != revision:
            raise PreconditionFailedException(
                "The RevisionId provided does not match the latest RevisionId for the "
                "Lambda function or alias. Call the GetFunction or the GetAlias API to "
                "retrieve the latest RevisionId for your resource.")
        wanted = qualifier_of(function_name, qualifier)
        for statement in policy.statements:
            if (statement.get("Sid") == sid
                    and resource_qualifier(statement.get("Resource")) == wanted):
                policy.statements.remove(statement)
                return 204, {"status": 204}, "{}"
        raise UnknownPolicyException()

    # A qualified FunctionName ("f:live", "arn:...:function:f:live") names the
    # alias or version as a Qualifier would (API_AddPermission.html,
    # "FunctionName"); moto would file the statement under the version.
    base_add_permission = LambdaBackend.add_permission

    def add_permission(self, function_name, qualifier, raw):
        wanted = qualifier_of(function_name, qualifier)
        if wanted is not None and qualifier is None:
            function_name = function_name[:-(len(wanted) + 1)]
        return base_add_permission(self, function_name, wanted or qualifier, raw)

    LambdaBackend.add_permission = add_permission
    LambdaBackend.get_policy = get_policy
    LambdaResponse.remove_permission = remove_permission


# ---------------------------------------------------------------------------
# kms, logs

# PutRetentionPolicy "Possible values are: 1, 3, 5, ... 3653" (the Days shape;
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545,
                  731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)


def _patch_kms_and_logs():
    from moto.kms import responses as kms_responses
    from moto.logs.exceptions import InvalidParameterException
    from moto.logs.models import LogsBackend

    # GetKeyPolicy / PutKeyPolicy: "If no policy name is specified, the
    # default value is default" (API_GetKeyPolicy.html, API_PutKeyPolicy.html
    # in https://docs.aws.amazon.com/kms/latest/APIReference/); moto answered
    # NotFoundException when PolicyName was left out. Other names still fail.
    assert_default = kms_responses._assert_default_policy

    def assert_default_policy(policy_name):
        assert_default("default" if policy_name is None else policy_name)

    kms_responses._assert_default_policy = assert_default_policy

    # PutRetentionPolicy: moto stored any number of days; AWS refuses a value
    # outside the list above with InvalidParameterException.
    base_put_retention = LogsBackend.put_retention_policy

    def put_retention_policy(self, log_group_name, retention_in_days):
        if retention_in_days not in RETENTION_DAYS:
            raise InvalidParameterException(
                constraint="Member must satisfy enum value set: "
                           f"[{', '.join(map(str, RETENTION_DAYS))}]",
                parameter="retentionInDays", value=retention_in_days)
        base_put_retention(self, log_group_name, retention_in_days)

    LogsBackend.put_retention_policy = put_retention_policy


# Secret versions. "Secrets Manager removes unlabeled versions when there are
# more than 100, but it does not remove versions created less than 24 hours
# ago. If you update the secret value more than once every 10 minutes, you
# create more versions than Secrets Manager removes, and you will reach the
# quota for secret versions."
# (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html;
# PutSecretValue says the same of "outdated versions",
# https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html,
# whose LimitExceededException is "The request failed because it would exceed
# one of the Secrets Manager quotas.")
SECRET_VERSIONS_MAX = 100
SECRET_VERSION_MIN_AGE = 24 * 3600  # seconds
# TagResource: "Maximum number of tags per secret: 50 ... Do not use the aws:
# prefix ... Tags with this prefix do not count against your tags per secret
# limit" (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_TagResource.html);
# Key 1..128, Value 0..256 characters
# (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Tag.html;
# the TagResource page's prose says 127 / 255, the shape the API enforces
# says 128 / 256).
SECRET_TAGS_MAX = 50
# ListSecretVersionIds MaxResults: 1..100 (botocore secretsmanager model,
# https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecretVersionIds.html).
# AWS documents no default page size; without MaxResults every version is
# listed in one page here.
SECRET_VERSION_PAGE_MAX = 100


def _patch_secretsmanager():
    from moto.core.exceptions import JsonRESTError
    from moto.secretsmanager.exceptions import (InvalidParameterException,
                                                SecretNotFoundException,
                                                ValidationException)
    from moto.secretsmanager.models import FakeSecret, SecretsManagerBackend
    from moto.secretsmanager.responses import SecretsManagerResponse

    class LimitExceededException(JsonRESTError):
        def __init__(self, message):
            super().__init__("LimitExceededException", message)

    # GetSecretValue: "If you don't specify either a VersionStage or VersionId, then Secrets Manager
    # returns the AWSCURRENT version" (API_GetSecretValue.html in
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/). moto answers its own
    # "default version" instead, which UpdateSecretVersionStage never moves: after AWSCURRENT moved
    # to another version, a read without a stage still returned the old one.
    base_update = SecretsManagerBackend.update_secret_version_stage

    def update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id):
        result = base_update(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
        if version_stage == "AWSCURRENT" and move_to_version_id:
            self.secrets[secret_id].default_version_id = move_to_version_id
        return result

    SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage

    # A new AWSCURRENT version: "Secrets Manager also automatically moves the
    # staging label AWSPREVIOUS to the version that AWSCURRENT was removed
    # from" (API_PutSecretValue.html). moto replaced all of that version's
    # labels with AWSPREVIOUS, so a label of the caller's on it was lost and
    # the version could become unlabeled (deprecated) when AWS keeps it.
    def reset_default_version(self, secret_version, version_id):
        for old in self.versions.values():
            if "AWSPREVIOUS" in old["version_stages"]:
                old["version_stages"].remove("AWSPREVIOUS")
        for vid, old in self.versions.items():
            if "AWSCURRENT" in old["version_stages"]:
                old["version_stages"].remove("AWSCURRENT")
                old["version_stages"].append("AWSPREVIOUS")
        self.versions[version_id] = secret_version
        self.default_version_id = version_id

    FakeSecret.reset_default_version = reset_default_version

    # The version quota: every new version (PutSecretValue, UpdateSecret with
    # a value) first lets AWS's clean-up run -- unlabeled versions at least
    # 24 hours old go, oldest first, while more than SECRET_VERSIONS_MAX
    # versions exist -- and is refused with LimitExceededException when the
    # secret would still hold more than SECRET_VERSIONS_MAX versions (every
    # labeled one and every unlabeled one younger than 24 hours stays). moto
    # kept every version forever. An idempotent retry (same
    # ClientRequestToken and value) never gets here, so it is never refused.
    base_add_secret = SecretsManagerBackend._add_secret

    def _add_secret(self, secret_id, secret_string=None, secret_binary=None, *args, **kw):
        secret = self.secrets.get(secret_id) if secret_id in self.secrets else None
        if secret is None or not isinstance(secret, FakeSecret) or (
                secret_string is None and secret_binary is None):
            return base_add_secret(self, secret_id, secret_string, secret_binary, *args, **kw)
        saved = {vid: (v, list(v["version_stages"])) for vid, v in secret.versions.items()}
        saved_default = secret.default_version_id
        saved_changed = secret.last_changed_date
        result = base_add_secret(self, secret_id, secret_string, secret_binary, *args, **kw)
        now = time.time()
        removable = sorted(
            (v["createdate"], vid) for vid, v in secret.versions.items()
            if not v["version_stages"] and now - v["createdate"] >= SECRET_VERSION_MIN_AGE)
        while len(secret.versions) > SECRET_VERSIONS_MAX and removable:
            del secret.versions[removable.pop(0)[1]]
        if len(secret.versions) > SECRET_VERSIONS_MAX:
            secret.versions.clear()
            for vid, (v, stages) in saved.items():
                v["version_stages"] = stages
                secret.versions[vid] = v
            secret.default_version_id = saved_default
            secret.last_changed_date = saved_changed
            raise LimitExceededException(
                f"You can't create more versions of secret {secret.name}: it has "
                f"{SECRET_VERSIONS_MAX} versions that are labeled or were created less "
                "than 24 hours ago, the quota for secret versions.")
        return result

    SecretsManagerBackend._add_secret = _add_secret

    # GetSecretValue records the day a version was read, for
    # ListSecretVersionIds' LastAccessedDate ("the resolution of this field
    # is at the date level", API_SecretVersionsListEntry.html).
    base_get_value = SecretsManagerBackend.get_secret_value

    def get_secret_value(self, secret_id, version_id, version_stage):
        answer = base_get_value(self, secret_id, version_id, version_stage)
        version = self.secrets[secret_id].versions.get(answer["VersionId"])
        if version is not None:
            version["last_accessed"] = int(time.time()) // 86400 * 86400
        return answer

    SecretsManagerBackend.get_secret_value = get_secret_value

    # ListSecretVersionIds
    # (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecretVersionIds.html):
    # "By default, versions without staging labels aren't included";
    # IncludeDeprecated lists them too. Each entry has its version's own
    # CreatedDate (moto answered the time of the call), LastAccessedDate only
    # once it was read; ARN is the secret's ARN (moto: its name); MaxResults
    # 1..100 and NextToken page (moto: everything and NextToken "").
    def list_secret_version_ids(self):
        body = json.loads(self.body or "{}")
        secret_id = body.get("SecretId") or ""
        backend = self.backend
        if not backend._is_valid_identifier(secret_id):
            raise SecretNotFoundException()
        secret = backend.secrets[secret_id]
        limit = body.get("MaxResults")
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)
                                  or not 1 <= limit <= SECRET_VERSION_PAGE_MAX):
            raise ValidationException(
                f"1 validation error detected: Value '{limit}' at 'maxResults' failed to "
                f"satisfy constraint: Member must have value less than or equal to "
                f"{SECRET_VERSION_PAGE_MAX}")
        rows = []
        for vid, v in sorted(secret.versions.items(), key=lambda kv: kv[1]["createdate"]):
            if not v["version_stages"] and not body.get("IncludeDeprecated"):
                continue
            row = {"VersionId": vid, "VersionStages": list(v["version_stages"]),
                   "CreatedDate": v["createdate"]}
            if "last_accessed" in v:
                row["LastAccessedDate"] = v["last_accessed"]
            if getattr(secret, "kms_key_id", None):
                row["KmsKeyIds"] = [secret.kms_key_id]
            rows.append(row)
        start = 0
        scope = f"{secret.arn}|{bool(body.get('IncludeDeprecated'))}"
        token = body.get("NextToken")
        if token is not None:
            try:
                doc = json.loads(base64.urlsafe_b64decode(token.encode("ascii") + b"=="))
                start = doc["o"]
                ok = doc["a"] == scope and isinstance(start, int) and 0 < start <= len(rows)
            except (ValueError, TypeError, KeyError, AttributeError, UnicodeError,
                    binascii.Error):
                ok = False
            if not ok:
                raise InvalidParameterException("The NextToken value is invalid.")
        end = len(rows) if limit is None else min(len(rows), start + limit)
        out = {"ARN": secret.arn, "Name": secret.name, "Versions": rows[start:end]}
        if end < len(rows):
            doc = json.dumps({"a": scope, "o": end}, separators=(",", ":"))
            out["NextToken"] = base64.urlsafe_b64encode(doc.encode()).decode().rstrip("=")
        return json.dumps(out)

    SecretsManagerResponse.list_secret_version_ids = list_secret_version_ids

    # TagResource refuses what the documented tag restrictions forbid (see
    # SECRET_TAGS_MAX); moto stored anything.
    base_tag = SecretsManagerBackend.tag_resource

    def tag_resource(self, secret_id, tags):
        if secret_id not in self.secrets:
            raise SecretNotFoundException()
        for tag in tags:
            key, value = tag.get("Key"), tag.get("Value", "")
            if not isinstance(key, str) or not 1 <= len(key) <= 128:
                raise ValidationException(
                    "1 validation error detected: Value at 'tags.member.key' failed to "
                    "satisfy constraint: Member must have length between 1 and 128")
            if not isinstance(value, str) or len(value) > 256:
                raise ValidationException(
                    "1 validation error detected: Value at 'tags.member.value' failed to "
                    "satisfy constraint: Member must have length less than or equal to 256")
            if key.lower().startswith("aws:"):
                raise InvalidParameterException(
                    "The aws: prefix is reserved for AWS use; tag keys cannot start with it.")
        merged = {t["Key"]: t for t in self.secrets[secret_id].tags or []}
        merged.update({t["Key"]: t for t in tags})
        if sum(not k.lower().startswith("aws:") for k in merged) > SECRET_TAGS_MAX:
            raise InvalidParameterException(
                f"A secret can have at most {SECRET_TAGS_MAX} tags.")
        base_tag(self, secret_id, tags)

    SecretsManagerBackend.tag_resource = tag_resource


def _age_secret_versions(doc):
    """POST /_secure_api/age-secret-versions {"secretId", "hours", "region"?, "accountId"?}."""
    from moto.secretsmanager.models import secretsmanager_backends

    secret_id, hours = doc.get("secretId"), doc.get("hours")
    region = doc.get("region") or "us-east-1"
    account = doc.get("accountId") or "123456789012"
    if not isinstance(hours, (int, float)) or isinstance(hours, bool) or hours <= 0:
        return 400, {"message": "hours must be a positive number"}
    backend = secretsmanager_backends[account][region]
    if not isinstance(secret_id, str) or secret_id not in backend.secrets:
        return 404, {"message": f"no secret {secret_id!r} in {account} {region}"}
    secret = backend.secrets[secret_id]
    for version in secret.versions.values():
        version["createdate"] = int(version["createdate"] - hours * 3600)
    return 200, {"secretId": secret.name, "versions": len(secret.versions)}


# ---------------------------------------------------------------------------
# account: ListRegions

# "Default Regions - Regions launched before March 20, 2019 are enabled by
# default ... Default Regions cannot be enabled or disabled. Opt-in Regions -
# Regions launched after March 20, 2019 are disabled by default"
# (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html).
# These are the aws partition's Regions launched before that date (EC2
# DescribeRegions calls them "opt-in-not-required").
DEFAULT_REGIONS = frozenset((
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
    "ap-southeast-2", "ap-south-1", "sa-east-1"))
# Region opt statuses (the RegionOptStatus enum,
# https://docs.aws.amazon.com/accounts/latest/reference/API_Region.html).
REGION_OPT_STATUSES = ("ENABLED", "ENABLING", "DISABLING", "DISABLED",
                       "ENABLED_BY_DEFAULT")
# ListRegions MaxResults: "Valid Range: Minimum value of 1. Maximum value of
# 50" (botocore account model, ListRegionsRequest). AWS documents no default
# page size; 20 is below the partition's Region count, so a client that does
# not follow NextToken misses Regions here as it may against AWS.
LIST_REGIONS_MAX = 50
LIST_REGIONS_DEFAULT = 20

# Opt-in Regions set by the test endpoint: {account: {region: status}}.
REGION_OPT_IN = {}
REGION_LOCK = threading.Lock()


def _partition_regions():
    """The aws partition's Regions, as botocore's endpoint data lists them."""
    from botocore.loaders import create_loader

    for part in create_loader().load_data("endpoints")["partitions"]:
        if part["partition"] == "aws":
            return sorted(part["regions"])
    return sorted(DEFAULT_REGIONS)


def _region_status(account, region):
    if region in DEFAULT_REGIONS:
        return "ENABLED_BY_DEFAULT"
    with REGION_LOCK:
        return REGION_OPT_IN.get(account, {}).get(region, "DISABLED")


def _patch_account():
    from moto.account import urls
    from moto.account.responses import AccountResponse
    from moto.core.exceptions import ServiceException

    class ValidationException(ServiceException):
        code = "ValidationException"

    class AccessDeniedException(ServiceException):
        code = "AccessDeniedException"

    # ListRegions (POST /listRegions, JSON body; signing name "account", which
    # moto's server maps to the account backend through the Authorization
    # header's credential scope):
    # https://docs.aws.amazon.com/accounts/latest/reference/API_ListRegions.html
    # Answers {"Regions": [{"RegionName", "RegionOptStatus"}], "NextToken"?},
    # filtered by RegionOptStatusContains, MaxResults 1..50 a page. AccountId
    # names a member account of the caller's organization; no organization is
    # emulated, so any AccountId is AccessDeniedException ("To call this
    # operation on an account that is not a member of an organization, don't
    # specify this parameter").
    urls.url_paths["{0}/listRegions$"] = AccountResponse.dispatch

    def list_regions(self):
        try:
            body = json.loads(self.body or "{}")
        except ValueError:
            raise ValidationException("The request body is not valid JSON.")
        if not isinstance(body, dict):
            raise ValidationException("The request body must be a JSON object.")
        account_id = body.get("AccountId")
        if account_id is not None:
            if not (isinstance(account_id, str) and re.fullmatch(r"\d{12}", account_id)):
                raise ValidationException(
                    "Invalid AccountId: must be a 12-digit account ID.")
            raise AccessDeniedException(
                "The AccountId parameter can only name a member account of your "
                "organization.")
        limit = body.get("MaxResults", LIST_REGIONS_DEFAULT)
        if (not isinstance(limit, int) or isinstance(limit, bool)
                or not 1 <= limit <= LIST_REGIONS_MAX):
            raise ValidationException(
                f"1 validation error detected: Value '{limit}' at 'maxResults' "
                "failed to satisfy constraint: Member must have value between 1 "
                f"and {LIST_REGIONS_MAX}")
        wanted = body.get("RegionOptStatusContains")
        if wanted is not None:
            if not isinstance(wanted, list) or any(
                    w not in REGION_OPT_STATUSES for w in wanted):
                raise ValidationException(
                    "1 validation error detected: Value at "
                    "'regionOptStatusContains' failed to satisfy constraint: "
                    "Member must satisfy enum value set: "
                    f"[{', '.join(REGION_OPT_STATUSES)}]")
        account = self.current_account
        rows = [{"RegionName": r, "RegionOptStatus": _region_status(account, r)}
                for r in _partition_regions()]
        if wanted:
            rows = [r for r in rows if r["RegionOptStatus"] in wanted]
        scope = json.dumps(sorted(set(wanted or [])))
        start = 0
        token = body.get("NextToken")
        if token is not None:
            try:
                raw = base64.urlsafe_b64decode(token.encode("ascii") + b"==")
                doc = json.loads(raw)
                start = doc["o"]
                ok = (doc["k"] == "regions" and doc["a"] == scope
                      and isinstance(start, int) and 0 < start <= len(rows))
            except (ValueError, TypeError, KeyError, AttributeError,
                    UnicodeError, binascii.Error):
                ok = False
            if not ok:
                raise ValidationException("The NextToken provided is invalid.")
        end = min(len(rows), start + limit)
        out = {"Regions": rows[start:end]}
        if end < len(rows):
            doc = json.dumps({"k": "regions", "a": scope, "o": end},
                             separators=(",", ":"))
            out["NextToken"] = base64.urlsafe_b64encode(doc.encode()).decode().rstrip("=")
        return 200, {"Content-Type": "application/json"}, json.dumps(out)

    AccountResponse.list_regions = list_regions


def _set_region_status(doc):
    """POST /_secure_api/regions {"regionName", "status", "accountId"?}."""
    region = doc.get("regionName")
    status = doc.get("status")
    account = doc.get("accountId") or "123456789012"
    if region not in _partition_regions():
        return 400, {"message": f"unknown Region {region!r} of the aws partition"}
    if region in DEFAULT_REGIONS:
        # "Default Regions cannot be enabled or disabled" (manage-acct-regions.html)
        return 400, {"message": f"{region} is a default Region; it cannot be "
                                "enabled or disabled"}
    if status not in ("ENABLED", "ENABLING", "DISABLING", "DISABLED"):
        return 400, {"message": "status must be ENABLED, ENABLING, DISABLING or DISABLED"}
    with REGION_LOCK:
        REGION_OPT_IN.setdefault(account, {})[region] = status
    return 200, {"accountId": account, "regionName": region, "status": status}


def apply_patches():
    """Make moto behave as AWS does where secure-api depends on it."""
    _patch_apigatewayv2()
    _patch_lambda()
    _patch_kms_and_logs()
    _patch_secretsmanager()
    _patch_account()


# ---------------------------------------------------------------------------
# Server


def _reset_cache_log(query, _doc):
    with RESET_LOCK:
        resets = [dict(r) for r in RESET_LOG]
    if "apiId" in query:
        resets = [r for r in resets if r["apiId"] in query["apiId"]]
    return 200, {"resets": resets}


# Test-only endpoints: (method, path) -> handler(query, json_body) returning
# (status, json_document). Documented in the module docstring.
TEST_ENDPOINTS = {
    ("GET", "/_secure_api/reset-cache-log"): _reset_cache_log,
    ("POST", "/_secure_api/regions"): lambda _q, doc: _set_region_status(doc),
    ("POST", "/_secure_api/fail-deployments"): lambda _q, doc: _fail_deployments(doc),
    ("POST", "/_secure_api/age-secret-versions"): lambda _q, doc: _age_secret_versions(doc),
}


def with_test_endpoint(app):
    """Wrap the moto WSGI app with the launcher's test-only endpoints."""
    def reply(start_response, status, doc):
        body = json.dumps(doc).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found",
                  405: "Method Not Allowed"}.get(status, "")
        start_response(f"{status} {reason}", [("Content-Type", "application/json"),
                                              ("Content-Length", str(len(body)))])
        return [body]

    def wrapped(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/_secure_api/"):
            return app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        handler = TEST_ENDPOINTS.get((method, path))
        if handler is None:
            known = any(p == path for _, p in TEST_ENDPOINTS)
            return reply(start_response, 405 if known else 404,
                         {"message": f"no test endpoint {method} {path}"})
        query = parse_qs(environ.get("QUERY_STRING", ""))
        doc = {}
        if method == "POST":
            try:
                size = int(environ.get("CONTENT_LENGTH") or 0)
                raw = environ["wsgi.input"].read(size) if size else b""
                doc = json.loads(raw or b"{}")
            except ValueError:
                return reply(start_response, 400, {"message": "body is not JSON"})
            if not isinstance(doc, dict):
                return reply(start_response, 400, {"message": "body must be a JSON object"})
        status, out = handler(query, doc)
        return reply(start_response, status, out)
    return wrapped


def _port_free(port):
    """False if binding 127.0.0.1:port would fail (the server thread would
    die, and ThreadedMotoServer.start() would wait forever)."""
    if port == 0:
        return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="local_aws.py",
        description="Run the moto AWS emulator on 127.0.0.1 for secure-api; "
                    "prints http://127.0.0.1:PORT once ready.")
    parser.add_argument("--port", type=int, default=0,
                        help="port to bind (default 0: pick a free port)")
    parser.add_argument("--watch-stdin", action="store_true",
                        help="exit when stdin reaches EOF")
    parser.add_argument("--log", action="store_true",
                        help="log requests to stderr")
    args = parser.parse_args(argv)

    # Keep stdout for the single endpoint line: anything else that writes to
    # fd 1 (moto prints a few diagnostics) goes to stderr instead.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    if not args.log:
        warnings.simplefilter("ignore")
    level = logging.INFO if args.log else logging.ERROR
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s")
    logging.getLogger("werkzeug").setLevel(level)  # werkzeug's request log

    if not _port_free(args.port):
        print(f"local_aws: cannot bind 127.0.0.1:{args.port}", file=sys.stderr)
        return 1

    from moto.server import ThreadedMotoServer
    apply_patches()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port,
                                verbose=False)
    started = threading.Event()

    def start():
        server.start()
        started.set()

    threading.Thread(target=start, daemon=True).start()
    if not started.wait(30):
        print("local_aws: server did not become ready", file=sys.stderr)
        return 1
    # The test-only endpoint wraps moto's app before anyone knows the port.
    server._server.app = with_test_endpoint(server._server.app)
    port = server.get_host_and_port()[1]
    os.environ["MOTO_PORT"] = str(port)  # moto builds some URLs from this

    if args.watch_stdin:
        def watch():
            try:
                while os.read(0, 65536):
                    pass
            except OSError:
                pass
            stop.set()
        threading.Thread(target=watch, daemon=True).start()

    if not stop.is_set():
        try:
            out.write(f"http://127.0.0.1:{port}\n")
            out.flush()
        except BrokenPipeError:
            pass
        while not stop.wait(3600):
            pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
