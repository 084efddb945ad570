/**
 * Small helpers with no knowledge of the wiring: JSON, ARNs, names, policy documents, bounded
 * backoff, progress lines, concurrent reads, runtimes, the bundled authorizer's packaging and
 * atomic file writes. May depend on aws and error only.
 */
package io.secureapi.support;
