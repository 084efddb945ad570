# shellcheck shell=bash
# >>> secure-api amplify-hook >>>
# After every `amplify push`: put secure-api's API-key protection back on the pushed environment's
# API (the entry of secure-api.json named like the Amplify environment), never generating a key, then
# verify it. Managed by `secure-api amplify-hook install|remove`: keep your own lines outside the markers.
secure_api_input="$(cat)"
# the rest of this hook still gets Amplify's JSON on stdin
exec 0< <(printf '%s' "$secure_api_input")
secure_api_hook() {
  local input="$1" project env has_entry tool candidate config status
  project="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  config="$project/secure-api.json"
  # Amplify passes {"data": {"amplify": {"environment": {"envName": …}}}} on stdin; node runs the Amplify CLI, so it is there
  read -r env has_entry < <(SECURE_API_CONFIG="$config" node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      let env = "";
      try { env = JSON.parse(s).data.amplify.environment.envName || ""; } catch (e) { /* no name */ }
      let has = "no";
      try {
        const c = JSON.parse(require("fs").readFileSync(process.env.SECURE_API_CONFIG, "utf8"));
        const envs = c.envs || c.environments || (c.apiId ? { default: c } : {});
        if (env && Object.prototype.hasOwnProperty.call(envs, env)) has = envs[env].tornDown ? "torndown" : "yes";
      } catch (e) { has = "noconfig"; }
      console.log((env || "-") + " " + has);
    });' <<<"$input" 2>/dev/null || echo "- error")
  if [[ "$env" == "-" ]]; then
    echo "secure-api: ERROR: cannot read the Amplify environment name from the hook's input (needs node on PATH);" >&2
    echo "secure-api: the API may be live WITHOUT its API-key protection: run 'secure-api verify --env ENV' now." >&2
    return 1
  fi
  if [[ "$has_entry" == "torndown" ]]; then
    echo "secure-api: skipped: the entry of Amplify environment '$env' in secure-api.json was torn down (secure-api teardown)"
    return 0
  fi
  if [[ "$has_entry" != "yes" ]]; then
    echo "secure-api: skipped: Amplify environment '$env' has no entry in secure-api.json (add one: secure-api setup --env $env --api-id ID)"
    return 0
  fi
  # where secure-api is: $SECURE_API, then PATH, then inside the project (never a path from the installing machine)
  tool="${SECURE_API:-}"
  if [[ -z "$tool" ]]; then tool="$(command -v secure-api || true)"; fi
  if [[ -z "$tool" ]]; then
    for candidate in @SECURE_API_CANDIDATES@; do
      if [[ -x "$candidate" ]]; then tool="$candidate"; break; fi
    done
  fi
  if [[ -z "$tool" ]]; then
    echo "secure-api: ERROR: secure-api not found (\$SECURE_API, PATH, @SECURE_API_SEARCHED@):" >&2
    echo "secure-api: the API of Amplify environment '$env' is live and may be WITHOUT its API-key protection until it is checked." >&2
    return 1
  fi
  echo "secure-api: putting the protection back on Amplify environment '$env' (setup --no-new-key), then verifying it"
  # a stage without auto-deploy serves the protection only once deployed: the hook deploys it (when this secure-api can)
  local deploy=() help
  help="$("$tool" setup --help </dev/null 2>/dev/null || true)"
  if [[ "$help" == *--deploy-stages* ]]; then deploy=(--deploy-stages); fi
  status=0
  (cd "$project" && "$tool" setup --env "$env" --no-new-key ${deploy[@]+"${deploy[@]}"} --no-color --config "$config" </dev/null) || status=$?
  if [[ $status -eq 0 ]]; then
    (cd "$project" && "$tool" verify --env "$env" --no-color --config "$config" </dev/null) || status=$?
  fi
  if [[ $status -ne 0 ]]; then
    echo "" >&2
    echo "secure-api: ERROR (exit $status): the API of Amplify environment '$env' is deployed and LIVE WITHOUT its API-key" >&2
    echo "secure-api: protection until this is fixed. The push itself succeeded. Fix: read the error above, then run" >&2
    echo "secure-api:   secure-api setup --env $env && secure-api verify --env $env" >&2
    return 1
  fi
}
secure_api_hook "$secure_api_input" || exit 1
unset -f secure_api_hook
unset secure_api_input
# <<< secure-api amplify-hook <<<
