/**
 * The account-wide scan: every HTTP API in the chosen regions, judged by what its stages serve.
 * Read-only. May depend on pieces (for the API Gateway reads), model, support, aws and error; never
 * on cli or engine.
 */
package io.secureapi.scan;
