/**
 * AWS SDK plumbing: one client per service built lazily over one HTTP client, named retries and
 * rate limits, and {@code AwsCall}, which turns an AWS error into a one-line message naming the
 * action and the missing permission. May depend on error only.
 */
package io.secureapi.aws;
