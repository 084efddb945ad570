/**
 * The project file ({@code secure-api.json}: read, validated, written atomically), the
 * {@code Target} a command acts on (file entry plus flags), and the Amplify post-push hook block.
 * May depend on model, keys, support and error; never on pieces or anything above.
 */
package io.secureapi.config;
