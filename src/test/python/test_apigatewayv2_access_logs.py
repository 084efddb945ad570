"""Access log settings on HTTP API stages as the launcher checks and keeps
them: CreateStage / UpdateStage store AccessLogSettings, GetStage(s) return
them, invalid settings are BadRequestException, DeleteAccessLogSettings turns
logging off. Real HTTP through boto3 against a launched scripts/local_aws.py."""

import unittest

from test_apigatewayv2_stages import Emulator

GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/secure-api/access"
FORMAT = ('{"requestId":"$context.requestId","routeKey":"$context.routeKey",'
          '"status":"$context.status","apiKey":"$context.authorizer.keyName"}')


class AccessLogSettingsTest(Emulator):
    def test_stored_and_returned(self):
        a = self.apigw
        api_id, *_ = self.api()
        settings = {"DestinationArn": GROUP, "Format": FORMAT}
        created = a.create_stage(ApiId=api_id, StageName="prod", AccessLogSettings=settings)
        self.assertEqual(created["AccessLogSettings"], settings)
        self.assertEqual(a.get_stage(ApiId=api_id, StageName="prod")["AccessLogSettings"],
                         settings)
        a.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
        other = {"DestinationArn": GROUP + ":*",
                 "Format": "$context.extendedRequestId $context.status"}
        updated = a.update_stage(ApiId=api_id, StageName="$default", AccessLogSettings=other)
        self.assertEqual(updated["AccessLogSettings"], other)
        listed = {s["StageName"]: s.get("AccessLogSettings")
                  for s in a.get_stages(ApiId=api_id)["Items"]}
        self.assertEqual(listed, {"prod": settings, "$default": other})
        # An UpdateStage without AccessLogSettings keeps them.
        a.update_stage(ApiId=api_id, StageName="prod", Description="x")
        self.assertEqual(a.get_stage(ApiId=api_id, StageName="prod")["AccessLogSettings"],
                         settings)
        a.delete_access_log_settings(ApiId=api_id, StageName="prod")
        self.assertNotIn("AccessLogSettings", a.get_stage(ApiId=api_id, StageName="prod"))
        self.assertError("NotFoundException", 404, a.delete_access_log_settings,
                         ApiId=api_id, StageName="nosuch")

    def test_invalid_settings_are_refused(self):
        a = self.apigw
        api_id, *_ = self.api()
        a.create_stage(ApiId=api_id, StageName="prod")
        for bad in ({"DestinationArn": GROUP},
                    {"Format": FORMAT},
                    {"DestinationArn": "arn:aws:firehose:us-east-1:123456789012:"
                                       "deliverystream/amazon-apigateway-x", "Format": FORMAT},
                    {"DestinationArn": "not-an-arn", "Format": FORMAT},
                    {"DestinationArn": GROUP, "Format": "$context.status"},
                    {"DestinationArn": GROUP, "Format": "$context.requestId\n$context.status"}):
            self.assertError("BadRequestException", 400, a.update_stage, ApiId=api_id,
                             StageName="prod", AccessLogSettings=bad)
            self.assertError("BadRequestException", 400, a.create_stage, ApiId=api_id,
                             StageName="beta", AccessLogSettings=bad)
        self.assertNotIn("AccessLogSettings", a.get_stage(ApiId=api_id, StageName="prod"))


if __name__ == "__main__":
    unittest.main()
