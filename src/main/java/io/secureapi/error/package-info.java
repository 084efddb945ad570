/**
 * {@code ExitException}: an error that carries its exit code and the next step. Depends on nothing
 * of secure-api; every package may use it.
 */
package io.secureapi.error;
