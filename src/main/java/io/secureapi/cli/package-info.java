/**
 * The command line: picocli commands, their shared options (mixins), and what they print (text,
 * JSON, JUnit). Commands parse, call the engine or scan, and print; they never call the AWS SDK
 * directly. May depend on every other package; nothing depends on it.
 */
package io.secureapi.cli;
