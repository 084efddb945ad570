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
                RemovePermission keep to the qualifier asked for; a
                function's configuration has a RevisionId, new after each
                UpdateFunctionConfiguration, which answers a stale RevisionId
                with PreconditionFailedException
  kms           GetKeyPolicy / PutKeyPolicy default PolicyName to "default"
  logs          PutRetentionPolicy accepts only the documented day counts;
                Logs Insights: StartQuery evaluates the query over the events
                PutLogEvents stored in the log group(s) and time window (both
                ends included); GetQueryResults answers Running (no rows) the
                first time and Complete with every row after, so a client
                polls; StopQuery cancels a query not yet read; DescribeQueries.
                Results as AWS shapes them (rows of {field, value}, values
                strings, @timestamp "YYYY-MM-DD HH:MM:SS.mmm" UTC, @ptr on
                event rows; statistics recordsMatched / recordsScanned /
                bytesScanned / logGroupsScanned); at most `limit` rows
                (default 10,000, up to 100,000), GetQueryResults pages of at
                most 10,000 (maxItems, nextToken). Query language subset
                (anything else is MalformedQueryException):
                  fields / display f [as a], ...
                  filter with == = != < <= > >=, like "substring" or /regex/,
                    not like, =~ /regex/, in [..], ispresent(f), isempty(f),
                    isblank(f), and, or, not, ( ); a number on either side
                    compares numerically ("200" == 200), a missing field
                    matches nothing
                  stats count(*) | count(f) | count_distinct(f) | min | max |
                    avg | sum | pct(f, N) [as a], ... [by f [as a], bin(N
                    ms|s|m|h|d|w) [as a], ...]  (one stats per query; an
                    unaliased column is named as written, e.g. count(*))
                  sort f [asc|desc], ...  (CWL's natural order, CWL_QuerySyntax-
                    Sort.html; asc when left out, which that page does not
                    settle; missing values last)
                  limit N
                Fields: @timestamp (ms), @message, @logStream, @log
                ("account:group"), @ingestionTime, @ptr, and up to 200 fields
                discovered in a JSON message (nested keys joined with ".",
                array items by index). Without fields/display, event rows
                show @timestamp, @message, @logStream, @log. Rows come newest
                first unless sorted. count_distinct and pct are exact here
                (AWS may approximate).
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

    # RevisionId: "Update the function only if the revision ID matches the ID that's specified"
    # (https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html); a
    # mismatch is PreconditionFailedException (412), and each update makes a new revision. moto's
    # function configuration has no RevisionId and ignores the parameter.
    import uuid as _uuid

    from moto.awslambda.exceptions import PreconditionFailedException as _Stale
    from moto.awslambda.models import LambdaBackend as _Backend
    from moto.awslambda.models import LambdaFunction

    base_get_configuration = LambdaFunction.get_configuration

    def get_configuration(self, *args, **kwargs):
        config = base_get_configuration(self, *args, **kwargs)
        if not getattr(self, "secure_api_revision", None):
            self.secure_api_revision = str(_uuid.uuid4())
        config["RevisionId"] = self.secure_api_revision
        return config

    LambdaFunction.get_configuration = get_configuration
    base_update_configuration = _Backend.update_function_configuration

    def update_function_configuration(self, function_name, qualifier, body):
        fn = self.get_function(function_name, qualifier)
        wanted = (body or {}).get("RevisionId")
        current = getattr(fn, "secure_api_revision", None)
        if wanted and current and wanted != current:
            raise _Stale(
                "The RevisionId provided does not match the latest RevisionId for the "
                "Lambda function or alias. Call the GetFunction or the GetAlias API to "
                "retrieve the latest RevisionId for your resource.")
        out = base_update_configuration(self, function_name, qualifier, body)
        fn.secure_api_revision = str(_uuid.uuid4())
        if isinstance(out, dict):
            out["RevisionId"] = fn.secure_api_revision
        return out

    _Backend.update_function_configuration = update_function_configuration

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


# ---------------------------------------------------------------------------
# logs: CloudWatch Logs Insights queries (StartQuery, GetQueryResults,
# StopQuery, DescribeQueries) over the events PutLogEvents stored
#
# Query syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html
# StartQuery: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartQuery.html
# GetQueryResults: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetQueryResults.html
# StopQuery: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StopQuery.html

# StartQuery limit: "The default is 10,000. The maximum value is 100,000";
# GetQueryResults maxItems: "The maximum is 10,000 log events per request.
# You can retrieve up to 100,000 log event results from a query by paginating
# with the nextToken"; logGroupNames: "You can include up to 50 log groups"
# (botocore logs model, the pages above). limit: "If you omit limit, the
# query defaults to returning up to 10,000 log events. You can specify a
# limit value of up to 100,000"
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Limit.html).
INSIGHTS_DEFAULT_LIMIT = 10000
INSIGHTS_MAX_LIMIT = 100000
INSIGHTS_PAGE_MAX = 10000
INSIGHTS_MAX_GROUPS = 50
# "CloudWatch Logs Insights can extract a maximum of 200 log event fields
# from a JSON log"
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html).
INSIGHTS_MAX_JSON_FIELDS = 200
# bin(period) units this emulator knows, in milliseconds (the calendar units
# mo, q, y are not emulated).
BIN_UNITS = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000,
             "w": 7 * 86400000}
INSIGHTS_AGGREGATES = ("count", "count_distinct", "min", "max", "avg", "sum", "pct")

MISSING = object()


class MalformedQuery(Exception):
    pass


_INSIGHTS_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<regex>/(?:[^/\\\n]|\\.)+/)
  | (?P<num>-?\d+(?:\.\d+)?(?:ms|mo|s|m|h|d|w|q|y)?(?![A-Za-z0-9_]))
  | (?P<name>`[^`]+`|[@A-Za-z_][A-Za-z0-9_.@$]*)
  | (?P<op>==|!=|<=|>=|=~|<|>|=|\(|\)|,|\||\[|\]|\*)
""", re.X)


def _tokens(text):
    out, pos = [], 0
    while pos < len(text):
        m = _INSIGHTS_TOKEN.match(text, pos)
        if not m:
            raise MalformedQuery(f"unexpected character {text[pos]!r} at {pos}")
        pos = m.end()
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        value = m.group()
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "name" and value.startswith("`"):
            value = value[1:-1]
        out.append((kind, value))
    return out


class _Cursor:
    def __init__(self, tokens):
        self.tokens, self.i = tokens, 0

    def peek(self, ahead=0):
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else (None, None)

    def word(self, *words):
        kind, value = self.peek()
        return kind == "name" and value.lower() in words

    def take(self, kind=None, value=None):
        k, v = self.peek()
        if k is None or (kind and k != kind) or (value is not None and v != value):
            want = value or kind or "more"
            raise MalformedQuery(f"expected {want}, found {v if v is not None else 'end of query'}")
        self.i += 1
        return v

    def done(self):
        return self.i >= len(self.tokens)


def _text(v):
    """A value as GetQueryResults shows it (every value is a string)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return str(v)


def _num(v):
    if isinstance(v, bool) or v is None or v is MISSING:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _literal(cur):
    kind, value = cur.peek()
    if kind == "str":
        cur.take()
        return value
    if kind == "num":
        cur.take()
        if not re.fullmatch(r"-?\d+(\.\d+)?", value):
            raise MalformedQuery(f"unexpected duration {value}")
        return float(value) if "." in value else int(value)
    if kind == "name" and value.lower() in ("true", "false"):
        cur.take()
        return value.lower() == "true"
    raise MalformedQuery(f"expected a value, found {value}")


def _compare(op, a, b):
    if a is MISSING or b is MISSING or a is None or b is None:
        return False
    numeric = (isinstance(a, (int, float)) and not isinstance(a, bool)) or \
        (isinstance(b, (int, float)) and not isinstance(b, bool))
    if numeric:
        x, y = _num(a), _num(b)
        if x is None or y is None:
            return op == "!=" and _text(a) != _text(b)
    else:
        x, y = _text(a), _text(b)
    if op in ("==", "="):
        return x == y
    if op == "!=":
        return x != y
    if op == "<":
        return x < y
    if op == "<=":
        return x <= y
    if op == ">":
        return x > y
    return x >= y


def _operand(cur):
    """A field reference or literal: returns a function row -> value."""
    kind, value = cur.peek()
    if kind == "name" and value.lower() in ("ispresent", "isempty", "isblank") \
            and cur.peek(1) == ("op", "("):
        return None
    if kind == "name" and value.lower() not in ("true", "false"):
        cur.take()
        return lambda row, _f=value: row.get(_f, MISSING)
    lit = _literal(cur)
    return lambda row, _v=lit: _v


def _predicate(cur):
    """not / comparisons / like / in / =~ / ispresent(...) / ( ... )."""
    if cur.word("not"):
        cur.take()
        inner = _predicate(cur)
        return lambda row: not inner(row)
    if cur.peek() == ("op", "("):
        cur.take()
        inner = _disjunction(cur)
        cur.take("op", ")")
        return inner
    kind, value = cur.peek()
    if kind == "name" and value.lower() in ("ispresent", "isempty", "isblank") \
            and cur.peek(1) == ("op", "("):
        func = value.lower()
        cur.take()
        cur.take("op", "(")
        field = cur.take("name")
        cur.take("op", ")")
        if func == "ispresent":
            return lambda row: row.get(field, MISSING) is not MISSING
        if func == "isempty":
            return lambda row: row.get(field, MISSING) in (MISSING, None, "")
        return lambda row: row.get(field, MISSING) is MISSING or \
            (isinstance(row.get(field), str) and not row.get(field).strip())
    left = _operand(cur)
    negate = False
    if cur.word("not") and cur.peek(1)[0] == "name" and \
            cur.peek(1)[1].lower() in ("like", "in"):
        cur.take()
        negate = True
    if cur.word("like") or cur.peek() == ("op", "=~"):
        regex_only = cur.take() == "=~"
        kind, value = cur.peek()
        if kind == "regex":
            cur.take()
            try:
                pattern = re.compile(value[1:-1])
            except re.error as e:
                raise MalformedQuery(f"invalid regular expression {value}: {e}")
            test = lambda v: pattern.search(v) is not None  # noqa: E731
        elif kind == "str" and not regex_only:
            cur.take()
            test = lambda v, _s=value: _s in v  # noqa: E731
        else:
            raise MalformedQuery(f"expected a /regex/ or string after like, found {value}")

        def like(row):
            v = left(row)
            hit = v is not MISSING and v is not None and test(_text(v))
            return hit != negate
        return like
    if cur.word("in"):
        cur.take()
        cur.take("op", "[")
        items = [_literal(cur)]
        while cur.peek() == ("op", ","):
            cur.take()
            items.append(_literal(cur))
        cur.take("op", "]")

        def member(row):
            v = left(row)
            if v is MISSING or v is None:
                return False
            hit = any(_compare("==", v, item) for item in items)
            return hit != negate
        return member
    kind, op = cur.peek()
    if kind == "op" and op in ("==", "=", "!=", "<", "<=", ">", ">="):
        cur.take()
        right = _operand(cur)
        if right is None:
            raise MalformedQuery("a function cannot be compared here")
        return lambda row: _compare(op, left(row), right(row))
    # A bare field or value: true when present and truthy.
    return lambda row: (lambda v: v not in (MISSING, None, False, 0, ""))(left(row))


def _conjunction(cur):
    parts = [_predicate(cur)]
    while cur.word("and"):
        cur.take()
        parts.append(_predicate(cur))
    return parts[0] if len(parts) == 1 else (lambda row: all(p(row) for p in parts))


def _disjunction(cur):
    parts = [_conjunction(cur)]
    while cur.word("or"):
        cur.take()
        parts.append(_conjunction(cur))
    return parts[0] if len(parts) == 1 else (lambda row: any(p(row) for p in parts))


def _source_text(cur, start):
    """The query text of tokens[start:cur.i], as AWS names an unaliased
    column: count(*), pct(latency, 95), bin(1d)."""
    out = ""
    for kind, value in cur.tokens[start:cur.i]:
        if kind == "str":
            value = json.dumps(value)
        if value == ",":
            out += ", "
        elif value == ")" or out.endswith("(") or out.endswith(", ") or not out:
            out += value
        elif value == "(":
            out += value
        else:
            out += " " + value
    return out


def _alias(cur, default):
    if cur.word("as"):
        cur.take()
        return cur.take("name")
    return default


def _parse_stats(cur):
    aggs, groups = [], []
    while True:
        start = cur.i
        func = cur.take("name").lower()
        if func not in INSIGHTS_AGGREGATES:
            raise MalformedQuery(f"unknown or unsupported stats function {func}")
        cur.take("op", "(")
        arg, param = None, None
        if cur.peek() == ("op", "*"):
            cur.take()
            if func != "count":
                raise MalformedQuery(f"{func}(*) is not valid")
            arg = "*"
        else:
            arg = cur.take("name")
        if func == "pct":
            cur.take("op", ",")
            param = _literal(cur)
            if not isinstance(param, (int, float)) or not 0 <= param <= 100:
                raise MalformedQuery("pct needs a percentile between 0 and 100")
        cur.take("op", ")")
        name = _alias(cur, _source_text(cur, start))
        aggs.append((func, arg, param, name))
        if cur.peek() != ("op", ","):
            break
        cur.take()
    if cur.word("by"):
        cur.take()
        while True:
            start = cur.i
            if cur.word("bin") and cur.peek(1) == ("op", "("):
                cur.take()
                cur.take("op", "(")
                period = cur.take("num")
                m = re.fullmatch(r"(\d+)(ms|s|m|h|d|w)", period)
                if not m or int(m.group(1)) == 0:
                    raise MalformedQuery(f"unsupported bin period {period}")
                cur.take("op", ")")
                groups.append(("bin", int(m.group(1)) * BIN_UNITS[m.group(2)],
                               _alias(cur, _source_text(cur, start))))
            else:
                field = cur.take("name")
                groups.append(("field", field, _alias(cur, field)))
            if cur.peek() != ("op", ","):
                break
            cur.take()
    return aggs, groups


def parse_insights(query):
    """Parse a Logs Insights query into a list of (command, details)."""
    cur = _Cursor(_tokens(query))
    commands = []
    while not cur.done():
        command = cur.take("name").lower()
        if command in ("fields", "display"):
            items = []
            while True:
                field = cur.take("name")
                items.append((field, _alias(cur, field)))
                if cur.peek() != ("op", ","):
                    break
                cur.take()
            commands.append((command, items))
        elif command == "filter":
            commands.append(("filter", _disjunction(cur)))
        elif command == "stats":
            if any(c == "stats" for c, _ in commands):
                raise MalformedQuery("only one stats command is supported")
            commands.append(("stats", _parse_stats(cur)))
        elif command == "sort":
            keys = []
            while True:
                field = cur.take("name")
                desc = False
                if cur.word("asc", "desc"):
                    desc = cur.take().lower() == "desc"
                keys.append((field, desc))
                if cur.peek() != ("op", ","):
                    break
                cur.take()
            commands.append(("sort", keys))
        elif command == "limit":
            n = cur.take("num")
            if not n.isdigit() or not 1 <= int(n) <= INSIGHTS_MAX_LIMIT:
                raise MalformedQuery(f"limit must be 1..{INSIGHTS_MAX_LIMIT}")
            commands.append(("limit", int(n)))
        else:
            raise MalformedQuery(f"unknown or unsupported command {command}")
        if not cur.done():
            cur.take("op", "|")
            if cur.done():
                raise MalformedQuery("expected a command after |")
    if not commands:
        raise MalformedQuery("the query is empty")
    return commands


def _natural_key(v):
    """CWL sort order: non-number values before numbers; within non-numbers,
    chunks of digits compare by length, then value, other chunks by Unicode
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Sort.html)."""
    n = _num(v) if not isinstance(v, str) or re.fullmatch(r"-?\d+(\.\d+)?", v) else None
    if n is not None:
        return (1, n)
    chunks = []
    for chunk in re.findall(r"\d+|\D+", _text(v)):
        if chunk[0].isdigit():
            chunks.append((0x30, len(chunk.lstrip("0")) or 1, int(chunk), ""))
        else:
            chunks.append((ord(chunk[0]), 0, 0, chunk))
    return (0, chunks)


def _flatten(doc, prefix, out):
    if isinstance(doc, dict):
        for k, v in doc.items():
            _flatten(v, f"{prefix}{k}" if not prefix else f"{prefix}.{k}", out)
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            _flatten(v, f"{prefix}.{i}", out)
    elif len(out) < INSIGHTS_MAX_JSON_FIELDS:
        out[prefix] = doc


def _event_row(event, group, stream, account):
    """The fields of one log event, computed once: @timestamp, @message,
    @logStream, @log, @ingestionTime, @ptr and the fields discovered in a
    JSON message (nested keys joined with '.', array items by index)."""
    row = getattr(event, "_sa_row", None)
    if row is not None:
        return row
    row = {}
    message = event.message
    if message[:1] == "{":
        try:
            doc = json.loads(message)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            _flatten(doc, "", row)
    row["@timestamp"] = event.timestamp
    row["@message"] = message
    row["@logStream"] = stream.log_stream_name
    row["@log"] = f"{account}:{group.name}"
    row["@ingestionTime"] = event.ingestion_time
    row["@ptr"] = base64.b64encode(
        f"{group.name}\0{stream.log_stream_name}\0{event.event_id}".encode()).decode()
    event._sa_row = row
    event._sa_bytes = len(message.encode("utf-8"))
    return row


def _timestamp_text(ms):
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%d %H:%M:%S.") + f"{int(ms) % 1000:03d}"


def _aggregate(rows, aggs, groups):
    table = {}
    order = []
    for row in rows:
        key = []
        for kind, what, _ in groups:
            if kind == "bin":
                ts = row["@timestamp"]
                key.append(ts - ts % what)
            else:
                v = row.get(what, MISSING)
                key.append(None if v is MISSING else (v if isinstance(v, str) else _text(v)))
        key = tuple(key)
        acc = table.get(key)
        if acc is None:
            acc = table[key] = [[] if f in ("pct",) else (set() if f == "count_distinct" else
                                [0, 0.0, None, None]) for f, *_ in aggs]
            order.append(key)
        for i, (func, arg, _, _) in enumerate(aggs):
            if func == "count" and arg == "*":
                acc[i][0] += 1
                continue
            v = row.get(arg, MISSING)
            if v is MISSING or v is None:
                continue
            if func == "count":
                acc[i][0] += 1
            elif func == "count_distinct":
                acc[i].add(_text(v))
            else:
                n = _num(v)
                if n is None:
                    continue
                if func == "pct":
                    acc[i].append(n)
                else:
                    a = acc[i]
                    a[0] += 1
                    a[1] += n
                    a[2] = n if a[2] is None or n < a[2] else a[2]
                    a[3] = n if a[3] is None or n > a[3] else a[3]
    out = []
    for key in order:
        acc = table[key]
        row = {}
        for (kind, _, name), value in zip(groups, key):
            if value is not None:
                row[name] = _timestamp_text(value) if kind == "bin" else value
        for (func, _, param, name), a in zip(aggs, acc):
            if func == "count":
                row[name] = a[0]
            elif func == "count_distinct":
                row[name] = len(a)
            elif func == "pct":
                if a:
                    a.sort()
                    rank = max(1, -(-param * len(a) // 100))  # nearest rank
                    row[name] = a[int(rank) - 1]
            elif a[0]:
                row[name] = {"sum": a[1], "avg": a[1] / a[0], "min": a[2], "max": a[3]}[func]
        out.append(row)
    return out


def run_insights(commands, sources, start_ms, end_ms, account, limit):
    """Evaluate parsed commands over the events of (group, stream) sources
    in [start_ms, end_ms]; return (rows of (field, value) pairs, statistics)."""
    scanned = scanned_bytes = 0
    rows = []
    for group, stream in sources:
        for event in stream.events:
            if start_ms <= event.timestamp <= end_ms:
                rows.append(_event_row(event, group, stream, account))
                scanned += 1
                scanned_bytes += event._sa_bytes
    rows.sort(key=lambda r: r["@timestamp"], reverse=True)
    matched = len(rows)
    display = None
    aggregated = False
    cap = limit
    for command, detail in commands:
        if command == "filter":
            rows = [r for r in rows if detail(r)]
            if not aggregated:
                matched = len(rows)
        elif command == "stats":
            matched = len(rows)
            rows = _aggregate(rows, *detail)
            aggregated = True
            display = None
        elif command == "sort":
            for field, desc in reversed(detail):
                present = [r for r in rows if r.get(field, MISSING) not in (MISSING, None)]
                absent = [r for r in rows if r.get(field, MISSING) in (MISSING, None)]
                present.sort(key=lambda r: _natural_key(r[field]), reverse=desc)
                rows = present + absent
        elif command == "limit":
            cap = min(cap, detail)
            rows = rows[:detail]
        elif command in ("fields", "display"):
            if command == "fields" and any(alias != field for field, alias in detail):
                rows = [dict(r, **{alias: r[field] for field, alias in detail
                                   if alias != field and field in r}) for r in rows]
            names = [alias for _, alias in detail]
            display = names if display is None or command == "display" else display + names
    rows = rows[:cap]
    out = []
    for r in rows:
        if aggregated:
            names = display or list(r)
        else:
            names = display or ["@timestamp", "@message", "@logStream", "@log"]
            names = [n for n in names if n != "@ptr"] + ["@ptr"]
        fields = []
        for name in names:
            v = r.get(name, MISSING)
            if v is MISSING or v is None:
                continue
            fields.append({"field": name, "value": _timestamp_text(v)
                           if name == "@timestamp" and not aggregated else _text(v)})
        out.append(fields)
    stats = {"recordsMatched": float(matched), "recordsScanned": float(scanned),
             "estimatedRecordsSkipped": 0.0, "bytesScanned": float(scanned_bytes),
             "estimatedBytesSkipped": 0.0, "logGroupsScanned": float(
                 len({id(g) for g, _ in sources}))}
    return out, stats


def _patch_logs_insights():
    from moto.core.exceptions import JsonRESTError
    from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException
    from moto.logs.responses import LogsResponse

    class MalformedQueryException(JsonRESTError):
        code = 400

        def __init__(self, message):
            super().__init__("MalformedQueryException", message)

    def queries(backend):
        if not hasattr(backend, "sa_queries"):
            backend.sa_queries = {}
        return backend.sa_queries

    def group_named(backend, ident):
        name = ident
        m = re.match(r"^arn:aws[a-z-]*:logs:[^:]*:\d{12}:log-group:(.+?)(:\*)?$", ident)
        if m:
            name = m.group(1)
        if name not in backend.groups:
            raise ResourceNotFoundException()
        return backend.groups[name]

    # StartQuery: exactly one of logGroupName, logGroupNames (up to 50),
    # logGroupIdentifiers (names or ARNs); startTime / endTime are epoch
    # seconds and both ends are included; MalformedQueryException for a query
    # it cannot parse; ResourceNotFoundException for an unknown log group.
    # The query runs at once over the stored events; its results are
    # released by GetQueryResults (see get_query_results).
    def start_query(self):
        body = json.loads(self.body or "{}")
        sources = [k for k in ("logGroupName", "logGroupNames", "logGroupIdentifiers")
                   if body.get(k)]
        if len(sources) != 1:
            raise InvalidParameterException(
                "A StartQuery operation must include exactly one of logGroupName, "
                "logGroupNames or logGroupIdentifiers.")
        idents = body[sources[0]]
        idents = [idents] if isinstance(idents, str) else list(idents)
        if len(idents) > INSIGHTS_MAX_GROUPS:
            raise InvalidParameterException(
                f"You can include up to {INSIGHTS_MAX_GROUPS} log groups.")
        language = body.get("queryLanguage", "CWLI")
        if language != "CWLI":
            raise InvalidParameterException(
                f"queryLanguage {language} is not emulated; only CWLI is.")
        start, end = body.get("startTime"), body.get("endTime")
        if not isinstance(start, int) or not isinstance(end, int) or start < 0 or end < 0:
            raise InvalidParameterException("startTime and endTime are required.")
        if end < start:
            raise InvalidParameterException("endTime must not be before startTime.")
        limit = body.get("limit", INSIGHTS_DEFAULT_LIMIT)
        if not isinstance(limit, int) or not 1 <= limit <= INSIGHTS_MAX_LIMIT:
            raise InvalidParameterException(
                constraint=f"Member must have value between 1 and {INSIGHTS_MAX_LIMIT}",
                parameter="limit", value=limit)
        query = body.get("queryString")
        if not isinstance(query, str) or not query.strip():
            raise InvalidParameterException("queryString is required.")
        backend = self.logs_backend
        groups = [group_named(backend, i) for i in idents]
        try:
            commands = parse_insights(query)
        except MalformedQuery as e:
            raise MalformedQueryException(str(e))
        sources = [(g, s) for g in groups for s in list(g.streams.values())]
        results, stats = run_insights(commands, sources, start * 1000, end * 1000 + 999,
                                      self.current_account, limit)
        query_id = str(__import__("uuid").uuid4())
        queries(backend)[query_id] = {
            "queryId": query_id, "queryString": query, "status": "Running",
            "createTime": int(time.time() * 1000), "logGroupName": groups[0].name,
            "results": results, "statistics": stats, "polled": False,
        }
        return json.dumps({"queryId": query_id})

    def find_query(self, query_id):
        q = queries(self.logs_backend).get(query_id)
        if q is None:
            raise ResourceNotFoundException(f"Query {query_id} does not exist.")
        return q

    # GetQueryResults: "If the value of the Status field in the output is
    # Running, this operation returns only partial results. If you see a
    # value of Scheduled or Running for the status, you can retry the
    # operation later to see the final results." Here the first call answers
    # Running with no rows yet, every later one Complete with all of them, so
    # a client's polling is exercised. Pages of maxItems (at most 10,000)
    # with nextToken.
    def get_query_results(self):
        body = json.loads(self.body or "{}")
        q = find_query(self, body.get("queryId"))
        empty = {k: 0.0 for k in q["statistics"]}
        if q["status"] == "Running" and not q["polled"]:
            q["polled"] = True
            return json.dumps({"queryLanguage": "CWLI", "results": [],
                               "statistics": empty, "status": "Running"})
        if q["status"] == "Running":
            q["status"] = "Complete"
        if q["status"] != "Complete":
            return json.dumps({"queryLanguage": "CWLI", "results": [],
                               "statistics": empty, "status": q["status"]})
        size = body.get("maxItems") or INSIGHTS_PAGE_MAX
        if not isinstance(size, int) or not 0 < size <= INSIGHTS_PAGE_MAX:
            raise InvalidParameterException(
                constraint=f"Member must have value less than or equal to {INSIGHTS_PAGE_MAX}",
                parameter="maxItems", value=size)
        start = 0
        token = body.get("nextToken")
        if token:
            try:
                doc = json.loads(base64.urlsafe_b64decode(token.encode("ascii") + b"=="))
                start = doc["o"]
                ok = doc["q"] == q["queryId"] and isinstance(start, int) and \
                    0 < start <= len(q["results"])
            except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error):
                ok = False
            if not ok:
                raise InvalidParameterException("The nextToken is invalid.")
        end = min(len(q["results"]), start + size)
        out = {"queryLanguage": "CWLI", "results": q["results"][start:end],
               "statistics": q["statistics"], "status": "Complete"}
        if end < len(q["results"]):
            doc = json.dumps({"q": q["queryId"], "o": end}, separators=(",", ":"))
            out["nextToken"] = base64.urlsafe_b64encode(doc.encode()).decode().rstrip("=")
        return json.dumps(out)

    # StopQuery: "Stops a CloudWatch Logs Insights query that is in progress.
    # If the query has already ended, the operation returns an error
    # indicating that the specified query is not running."
    def stop_query(self):
        body = json.loads(self.body or "{}")
        q = find_query(self, body.get("queryId"))
        if q["status"] != "Running":
            raise InvalidParameterException(
                f"Query {q['queryId']} is not running (status {q['status']}).")
        q["status"] = "Cancelled"
        return json.dumps({"success": True})

    # DescribeQueries lists these queries (moto's own list knew none of them).
    def describe_queries(self):
        body = json.loads(self.body or "{}")
        group, status = body.get("logGroupName"), body.get("status")
        listed = [{k: q[k] for k in ("queryId", "queryString", "status", "createTime",
                                     "logGroupName")}
                  for q in queries(self.logs_backend).values()
                  if (not group or q["logGroupName"] == group)
                  and (not status or q["status"] == status)]
        return json.dumps({"queries": listed})

    LogsResponse.start_query = start_query
    LogsResponse.get_query_results = get_query_results
    LogsResponse.stop_query = stop_query
    LogsResponse.describe_queries = describe_queries


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
    _patch_logs_insights()
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
