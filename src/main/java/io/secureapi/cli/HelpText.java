package io.secureapi.cli;

import java.util.ListResourceBundle;

/**
 * How each command words a shared option ({@link ApiIdOption}, {@link DryRunOption}, {@link ReportOption}): picocli looks up
 * "qualified command name.description key" here first, then uses the option's own description.
 * SecureApiCli.create hands it to every command.
 */
public class HelpText extends ListResourceBundle {
    @Override
    protected Object[][] getContents() {
        return new Object[][] {
            {"secure-api.setup.api-id", "The HTTP API to protect (default: from secure-api.json)."},
            {"secure-api.verify.api-id", "The HTTP API to check (default: from secure-api.json)."},
            {"secure-api.rotate-key.api-id", "The HTTP API whose key to rotate (default: from secure-api.json)."},
            {"secure-api.teardown.api-id", "The HTTP API to remove secure-api from (default: from secure-api.json)."},
            {
                "secure-api.iam-policy.api-id",
                "The HTTP API the policy is for (its region: --region); --all for every entry."
            },
            {"secure-api.rotate-key.dry-run", "Print what would change and change nothing."},
            {"secure-api.keys.add.dry-run", "Check everything and say what would change; change nothing."},
            {
                "secure-api.scan.report",
                "Also write the result to FILE in the --output format (junit: the XML goes to FILE, the table to stdout)."
            },
        };
    }
}
