/**
 * Orchestration: each command's ordering of pieces. {@code Reader} reads what AWS holds into one
 * snapshot; {@code Setup}, {@code Teardown} and {@code Verify} plan, apply, remove and check the
 * pieces in order; {@code KeyRotation}, {@code NamedKeys} and {@code CacheFlush} are the key
 * commands' writes; {@code Probe} sends verify's real requests. May depend on pieces, config,
 * model, keys, support, aws and error; never on cli or scan.
 */
package io.secureapi.engine;
