#!/usr/bin/env bash
# Contract checks for CI and `pnpm proto:check`:
#   1. buf lint (STANDARD + COMMENTS),
#   2. buf format (the .proto files are formatted canonically),
#   3. buf breaking against the main branch (skipped when main has no contracts yet),
#   4. generated TypeScript is exactly what the .proto files produce (no drift, no hand edits).
set -euo pipefail

cd "$(dirname "$0")"
buf=./node_modules/.bin/buf

echo "proto: buf lint"
"$buf" lint

echo "proto: buf format"
if ! "$buf" format --diff --exit-code; then
  echo "proto: .proto files are not formatted; run: cd proto && buf format -w" >&2
  exit 1
fi

# Breaking-change check (FILE rules). Override the baseline with PROTO_BREAKING_AGAINST, e.g. in CI
# PROTO_BREAKING_AGAINST='../.git#branch=origin/main,subdir=proto'. Set it to "skip" to disable.
against="${PROTO_BREAKING_AGAINST:-../.git#branch=main,subdir=proto}"
if [[ "$against" == "skip" ]]; then
  echo "proto: buf breaking skipped (PROTO_BREAKING_AGAINST=skip)"
elif [[ -z "${PROTO_BREAKING_AGAINST:-}" ]] && ! git cat-file -e main:proto/buf.yaml 2>/dev/null; then
  echo "proto: buf breaking skipped (main has no proto/buf.yaml yet)"
else
  echo "proto: buf breaking against $against"
  if ! "$buf" breaking --against "$against"; then
    echo "proto: breaking change to a published contract. Publish a new version instead:" >&2
    echo "       a new topic <domain>.<event>.v2 / a new package mobility.<domain>.v2 (see README.md)." >&2
    exit 1
  fi
fi

echo "proto: regenerate and compare with src/gen"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$buf" generate --output "$tmp"
if ! diff -r -u src/gen "$tmp/src/gen" >"$tmp/drift.diff"; then
  head -n 80 "$tmp/drift.diff" >&2
  echo >&2
  echo "proto: generated code drifted from .proto files; run pnpm proto:generate" >&2
  exit 1
fi
echo "proto: contracts OK"
