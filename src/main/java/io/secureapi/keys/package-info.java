/**
 * The key model, without AWS: the key format and its checksum ({@code ApiKey}), the stored secret
 * formats (digests, legacy plaintext), a rotation inside the digest document, and the write-ahead
 * of new keys ({@code PendingKeys}). May depend on support and error only.
 */
package io.secureapi.keys;
