#!/usr/bin/env python3
"""Creates an HTTP API shaped like the one AWS Amplify puts in front of serverless containers
($default route to an HTTP_PROXY integration, OPTIONS /{proxy+}, a $default stage with
auto-deploy, CORS) on the given endpoint and prints its id. For the demo and benchmarks.

    python3 scripts/amplify_api.py ENDPOINT [--routes N] [--add-route API_ID "GET /x"] [--reset-route API_ID "$default"]
"""
import argparse
import os

import boto3


def client(endpoint):
    return boto3.client("apigatewayv2", endpoint_url=endpoint, region_name=os.environ.get("AWS_REGION", "us-east-1"),
                        aws_access_key_id="test", aws_secret_access_key="test")


def create(c, name, extra_routes=0):
    """The Amplify shape on apigatewayv2 client c; returns the API id. Shared with scripts/bench.py."""
    api = c.create_api(Name=name, ProtocolType="HTTP",
                       CorsConfiguration={"AllowOrigins": ["*"], "AllowHeaders": ["authorization", "content-type"],
                                          "AllowMethods": ["GET", "POST", "PUT", "DELETE", "OPTIONS"]})["ApiId"]
    integ = c.create_integration(ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                 IntegrationUri="http://container.example.internal:8080/{proxy}",
                                 PayloadFormatVersion="1.0")["IntegrationId"]
    c.create_route(ApiId=api, RouteKey="$default", Target="integrations/" + integ)
    c.create_route(ApiId=api, RouteKey="OPTIONS /{proxy+}")
    c.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    for i in range(extra_routes):
        c.create_route(ApiId=api, RouteKey=f"GET /items/r{i}", Target="integrations/" + integ)
    return api


def main():
    p = argparse.ArgumentParser()
    p.add_argument("endpoint")
    p.add_argument("--routes", type=int, default=0, help="extra GET routes to add (for paging)")
    p.add_argument("--add-route", nargs=2, metavar=("API_ID", "ROUTE_KEY"), help="add one route to an existing API")
    p.add_argument("--reset-route", nargs=2, metavar=("API_ID", "ROUTE_KEY"),
                   help="set a route back to no authorization, as a regenerated Amplify template does")
    a = p.parse_args()
    c = client(a.endpoint)
    if a.reset_route:
        api, key = a.reset_route
        route = next(r for r in c.get_routes(ApiId=api)["Items"] if r["RouteKey"] == key)
        c.update_route(ApiId=api, RouteId=route["RouteId"], AuthorizationType="NONE", AuthorizerId="")
        print(route["RouteId"])
        return
    if a.add_route:
        print(c.create_route(ApiId=a.add_route[0], RouteKey=a.add_route[1])["RouteId"])
        return
    api = create(c, "amplify-demo", a.routes)
    print(api)


if __name__ == "__main__":
    main()
