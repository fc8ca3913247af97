#!/usr/bin/env bash
# A runbook for cron, Azure Automation, GitHub Actions or Azure DevOps: run a drift check and act
# on its exit code (0 no drift, 2 drift or parts not compared, 1 error).
#
#   AZURE_DRIFT_SUBSCRIPTIONS="<sub-id> <sub-id>" ./examples/runbook.sh
#
# Credentials come from DefaultAzureCredential (az login, a managed identity, AZURE_CLIENT_ID +
# AZURE_CLIENT_SECRET + AZURE_TENANT_ID, workload identity), or from AZURE_DRIFT_ACCESS_TOKEN.
# Optional: AZURE_DRIFT_BASELINE (compare with a named baseline), AZURE_DRIFT_STORE (the store
# directory; keep it between runs), AZURE_DRIFT_BIN (how to run the CLI), AZURE_DRIFT_MIN_SEVERITY,
# AZURE_DRIFT_CHECK_ARGS (more options for `check`, e.g. "--cloud AzureUSGovernment"),
# AZURE_DRIFT_OUT (where the report goes, without extension; default ./drift-report).
set -uo pipefail

bin=${AZURE_DRIFT_BIN:-npx --no-install azure-drift}
store=${AZURE_DRIFT_STORE:-./.azure-drift}
out=${AZURE_DRIFT_OUT:-./drift-report}
args=(check --store "$store" --format json --log-format json)
for subscription in ${AZURE_DRIFT_SUBSCRIPTIONS:-}; do args+=(--subscription "$subscription"); done
if [ -n "${AZURE_DRIFT_BASELINE:-}" ]; then args+=(--baseline "$AZURE_DRIFT_BASELINE"); fi
if [ -n "${AZURE_DRIFT_MIN_SEVERITY:-}" ]; then args+=(--min-severity "$AZURE_DRIFT_MIN_SEVERITY"); fi
# shellcheck disable=SC2206 # word splitting of the extra options is wanted
extra=(${AZURE_DRIFT_CHECK_ARGS:-})

# The report (JSON) goes to a file; structured logs stay on stderr for the job's log.
$bin "${args[@]}" "${extra[@]}" >"$out.json"
status=$?

case $status in
  0)
    echo "no drift"
    ;;
  2)
    # Drift, or slices that could not be compared (see .unknown in the report). A pipeline would
    # post the Markdown rendering to a PR, a chat channel or a ticket here.
    report_id=$(node -p "require(require('path').resolve('$out.json')).id")
    tenant_id=$(node -p "require(require('path').resolve('$out.json')).tenantId")
    $bin report "$report_id" --store "$store" --tenant "$tenant_id" --format markdown >"$out.md"
    echo "drift found: $(node -p "JSON.stringify(require(require('path').resolve('$out.json')).summary)")"
    echo "report: $out.json, $out.md"
    ;;
  *)
    # An error: bad input, credentials, an endpoint that does not answer. Nothing was saved; the
    # one-line reason is on stderr. Alert whoever owns the job.
    echo "drift check failed (exit $status)" >&2
    ;;
esac
exit $status
