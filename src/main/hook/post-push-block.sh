# shellcheck shell=bash
# >>> secure-api amplify-hook >>>
# After every `amplify push`: put secure-api's API-key protection back on the pushed environment's
# API (the entry of secure-api.json named like the Amplify environment), never generating a key, then
# verify it. Managed by `secure-api amplify-hook install|remove`: keep your own lines outside the markers.
secure_api_input="$(cat)"
# the rest of this hook still gets Amplify's JSON on stdin
exec 0< <(printf '%s' "$secure_api_input")
secure_api_hook() {
  local input="$1" project config tool candidate
  project="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  config=@SECURE_API_CONFIG@
  # where secure-api is: $SECURE_API, then PATH, then inside the project (never a path from the installing machine)
  tool="${SECURE_API:-}"
  if [[ -n "$tool" && ! -x "$tool" ]]; then
    echo "secure-api: ERROR: \$SECURE_API ($tool) is not an executable file: the pushed API may be live WITHOUT its API-key protection; fix: point SECURE_API at bin/secure-api of the release" >&2
    return 1
  fi
  if [[ -z "$tool" ]]; then tool="$(command -v secure-api || true)"; fi
  if [[ -z "$tool" ]]; then
    # shellcheck disable=SC2043 # one or two paths, filled in by install
    for candidate in @SECURE_API_CANDIDATES@; do
      if [[ -x "$candidate" ]]; then tool="$candidate"; break; fi
    done
  fi
  if [[ -z "$tool" ]]; then
    echo "secure-api: ERROR: secure-api not found (\$SECURE_API, PATH, @SECURE_API_SEARCHED@): the pushed API may be live WITHOUT its API-key protection; fix: set SECURE_API in the build settings or unzip the release into $project/.secure-api" >&2
    return 1
  fi
  # secure-api decides the rest from Amplify's input and the config: skip, fail, or setup --no-new-key then verify
  (cd "$project" && SECURE_API_NO_KEY_OUTPUT=1 "$tool" amplify-hook run --config "$config" --no-color <<<"$input")
}
secure_api_hook "$secure_api_input" || exit 1
unset -f secure_api_hook
unset secure_api_input
# <<< secure-api amplify-hook <<<
