#!/usr/bin/env bash
# Runs the suites of `npm test` (unit, integration with the quiet-host check, security) and the load
# suite on every supported Node line, with Node binaries from the npm registry (the `node` package,
# through npx): the oldest supported release, 22.15.0, and the newest 22, 24 and 26. Needs a build
# (dist/): the quiet-host check and the load suite load the package.
#
#   NODE_VERSIONS="22.15.0 22 24 26"   the versions to test (default)
#   extra arguments go to jest: scripts/node-versions.sh -t 'streams'
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
summary=()
for wanted in ${NODE_VERSIONS:-22.15.0 22 24 26}; do
  started=$SECONDS
  # jest-cli's bin is a plain JS file; running it with the npx node makes jest and its workers
  # (spawned with process.execPath) use that Node.
  if version=$(npx -y -p "node@$wanted" node -v 2>&1); then
    npx -y -p "node@$wanted" node node_modules/jest/bin/jest.js --ci "$@" &&
      npx -y -p "node@$wanted" node node_modules/jest/bin/jest.js -c jest.load.config.js --runInBand --ci "$@"
    status=$?
  else
    echo "$version"
    version="node@$wanted (not available from the npm registry)"
    status=1
  fi
  if [ "$status" -eq 0 ]; then
    line="PASS suites on node $version ($((SECONDS - started))s)"
    passed=$((passed + 1))
  else
    line="FAIL suites on node $version ($((SECONDS - started))s, exit $status)"
    failed=$((failed + 1))
  fi
  echo "$line"
  summary+=("$line")
done

printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
