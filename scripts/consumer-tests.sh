#!/usr/bin/env bash
# Installs the packed tarball into each project in __tests__/consumers/ (CommonJS, ESM, TypeScript;
# Express 4 and 5), runs its `npm run build` if it has one (the TypeScript ones compile there), then
# its `npm test`, which sends real requests through a router built from the installed package to a
# fake upstream on 127.0.0.1. The tarball's file list is checked first.
#
# Each consumer runs on the current Node and on every version in CONSUMER_NODE_VERSIONS (default
# "22.15.0 22 26", which with CI's Node 24 covers every supported line; the `node` package from the
# npm registry, through npx; set it empty for the current one only).
#
#   CONSUMER_TARBALL=path.tgz     test this tarball instead of building and packing the repo
#   CONSUMERS="cjs-express4 ..."  only these consumers
#   KEEP_CONSUMERS=1              keep the temporary projects and print where they are
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
consumers_dir=$root/__tests__/consumers
npm_flags=(--prefer-offline --no-audit --no-fund --loglevel=error)

work=$(mktemp -d "${TMPDIR:-/tmp}/epr-consumers.XXXXXX")
cleanup() { [ -n "${KEEP_CONSUMERS:-}" ] && echo "kept $work" || rm -rf "$work"; }
trap cleanup EXIT

started=$SECONDS
if [ -n "${CONSUMER_TARBALL:-}" ]; then
  tarball=$(realpath "$CONSUMER_TARBALL")
else
  npm run build --silent || { echo "FAIL build"; echo "0 passed, 1 failed"; exit 1; }
  name=$(npm pack --pack-destination "$work" --silent) || { echo "FAIL npm pack"; echo "0 passed, 1 failed"; exit 1; }
  tarball=$work/$name
fi
echo "consumers of $(basename "$tarball")"

passed=0
failed=0

# What users get: the build (code and types, no maps, no tests, nothing left over from a deleted
# source file), README, CHANGELOG, LICENSE and package.json.
contents=$(tar tzf "$tarball" | sed 's|^package/||' | grep -v -e '/$' -e '^$' | sort)
problems=$(
  grep -vE '^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist/.+\.(js|d\.ts))$' <<<"$contents" | sed 's/^/unexpected: /'
  grep -E '(^|/)__tests__/|\.(test|spec)\.' <<<"$contents" | sed 's/^/test file: /'
  for required in package.json README.md CHANGELOG.md LICENSE dist/index.js dist/index.d.ts; do
    grep -qxF "$required" <<<"$contents" || echo "missing: $required"
  done
  grep -E '^dist/.+\.js$' <<<"$contents" | while read -r file; do
    source=lib/${file#dist/}
    [ -f "${source%.js}.ts" ] || echo "no source in lib/ (stale build? rm -rf dist and rebuild): $file"
  done
)
if [ -z "$problems" ]; then
  echo "PASS tarball: $(wc -l <<<"$contents") files, only package.json, README.md, CHANGELOG.md, LICENSE and dist/**/*.{js,d.ts}"
  passed=$((passed + 1))
else
  echo "FAIL tarball"
  sed 's/^/    /' <<<"$problems"
  failed=$((failed + 1))
fi

# Node binaries for extra versions: their directory goes first on PATH while a consumer runs.
node_dirs=("")
node_labels=("$(node -v)")
for wanted in ${CONSUMER_NODE_VERSIONS-22.15.0 22 26}; do
  dir=$(npx -y -p "node@$wanted" node -p 'require("path").dirname(process.execPath)' 2>/dev/null) || {
    echo "FAIL node@$wanted: could not get it from the npm registry"
    failed=$((failed + 1))
    continue
  }
  node_dirs+=("$dir")
  node_labels+=("$(PATH="$dir:$PATH" node -v)")
done

for dir in "$consumers_dir"/*/; do
  consumer=$(basename "$dir")
  case $consumer in _*) continue ;; esac
  if [ -n "${CONSUMERS:-}" ] && [[ " $CONSUMERS " != *" $consumer "* ]]; then continue; fi

  project=$work/$consumer
  log=$work/$consumer.log
  mkdir -p "$project"
  cp -R "$dir". "$project"/
  cp "$consumers_dir"/_shared/* "$project"/
  t0=$SECONDS
  if ! (cd "$project" && npm install "${npm_flags[@]}" "$tarball" && npm run build --if-present --silent) >"$log" 2>&1; then
    echo "FAIL $consumer: npm install or build ($((SECONDS - t0))s)"
    sed 's/^/    /' "$log" | tail -30
    failed=$((failed + 1))
    continue
  fi
  setup="install and build $((SECONDS - t0))s"
  for i in "${!node_dirs[@]}"; do
    t1=$SECONDS
    path=$PATH
    [ -n "${node_dirs[$i]}" ] && path=${node_dirs[$i]}:$PATH
    if (cd "$project" && PATH=$path timeout 120 npm test --silent) >"$log" 2>&1; then
      echo "PASS $consumer on node ${node_labels[$i]} ($((SECONDS - t1))s${setup:+; $setup}): $(tail -1 "$log")"
      passed=$((passed + 1))
    else
      echo "FAIL $consumer on node ${node_labels[$i]} ($((SECONDS - t1))s)"
      sed 's/^/    /' "$log" | tail -30
      failed=$((failed + 1))
    fi
    setup=
  done
done

echo "consumer tests took $((SECONDS - started))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
