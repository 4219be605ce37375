#!/usr/bin/env bash
# Prints the command the README marks with <!-- NAME-command --> (the line inside the next code block),
# so CI runs exactly what the README tells people to run.
set -euo pipefail
name="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
awk -v marker="<!-- ${name}-command -->" '
  $0 == marker { found = 1; next }
  found && /^```/ { if (inblock) exit; inblock = 1; next }
  found && inblock { print; exit }
' "$root/README.md"
