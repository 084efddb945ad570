/**
 * One class per AWS piece of the wiring (secret, secret policy, function, env var, role, key
 * decryption, log group, authorizer, invoke permission, routes, stages, key-name forwarding), each
 * with the same verbs in the same order: read helpers, plan, apply, remove, check. Also what every
 * piece shares: {@code Piece}, the run ({@code Wiring}) and its {@code Snapshot}, and the finders
 * several pieces use ({@code HttpApi}, {@code SecretVersions}, {@code LastUsed}). May depend on
 * config, model, keys, support, aws and error; never on engine, scan or cli.
 */
package io.secureapi.pieces;
