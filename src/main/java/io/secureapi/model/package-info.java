/**
 * Plain values the pieces and commands exchange: the AWS state records ({@code State}), a planned
 * {@code Change} with its typed diff, a {@code Plan}, and verify's {@code Check} results. No AWS
 * calls. May depend on keys, support and error only.
 */
package io.secureapi.model;
