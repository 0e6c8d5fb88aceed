#!/usr/bin/env bash
# The README's way to run Parley, as a new user would, after `npm ci` in this clone:
#  1. `npm link --ignore-scripts` (README, Install) — into a scratch global folder
#     (npm_config_prefix), so that the machine's own global folder is left alone;
#  2. from a scratch folder outside the clone: `parley --help`, `parley --version`, a `parley keygen`;
#  3. the README's "Key tools" and "Interoperating with OpenSSL" blocks, exactly as written, in one
#     shell (they begin with `cd "$(mktemp -d)"`; TMPDIR points into the scratch folder);
#  4. nothing of that was left in the clone (git status unchanged).
# Exits non-zero, saying which step failed, on the first failure. Run by .ci/run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d /tmp/parley-smoke.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
step() { echo "smoke: $*"; }
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }

[ -f "$root/dist/src/cli/main.js" ] || fail "dist/ is missing: run npm ci first"
status_before="$(git -C "$root" status --porcelain --untracked-files=all)"

export npm_config_prefix="$scratch/global" npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
(cd "$root" && npm link --ignore-scripts >"$scratch/link.log" 2>&1) || { cat "$scratch/link.log" >&2; fail "npm link --ignore-scripts"; }
export PATH="$npm_config_prefix/bin:$PATH"
[ "$(command -v parley)" = "$npm_config_prefix/bin/parley" ] || fail "the linked parley is not the one on PATH ($(command -v parley || echo none))"
step "npm link --ignore-scripts: $(command -v parley)"

mkdir -p "$scratch/user" "$scratch/tmp"
cd "$scratch/user"
parley --help | grep -q '^Usage: parley <command>' || fail "parley --help"
version="$(parley --version)"
[[ "$version" =~ ^parley\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "parley --version printed '$version'"
parley keygen --out smoke >/dev/null 2>"$scratch/keygen.log" || { cat "$scratch/keygen.log" >&2; fail "parley keygen"; }
[ "$(parley fingerprint smoke.pub)" = "$(parley fingerprint smoke)" ] || fail "fingerprints of smoke and smoke.pub differ"
step "parley --help, --version ($version), keygen and fingerprint in $scratch/user"

# the first ```sh block after a README heading
block() {
  awk -v h="$1" '$0 == h { found = 1; next } found && /^```sh$/ { on = 1; next } on && /^```$/ { exit } on { print }' "$root/README.md"
}
examples="$scratch/readme-examples.sh"
{ block '### Key tools'; block '### Interoperating with OpenSSL'; } >"$examples"
[ "$(grep -c '^parley ' "$examples")" -ge 10 ] || fail "could not find the README's key-tool examples (### Key tools, ### Interoperating with OpenSSL)"
TMPDIR="$scratch/tmp" bash -euo pipefail "$examples" >"$scratch/examples.log" 2>&1 || {
  cat "$scratch/examples.log" >&2
  fail "the README's key-tool examples (bash -euo pipefail, the commands in $examples)"
}
grep -qx 'meet at noon' "$scratch/examples.log" || fail "parley open did not print the sealed text"
grep -qx 'valid' "$scratch/examples.log" || fail "parley rsa verify did not print valid"
step "the README's Key tools and OpenSSL examples ran as written ($(grep -c '^parley ' "$examples") parley commands)"

[ "$(git -C "$root" status --porcelain --untracked-files=all)" = "$status_before" ] || fail "files were left in the clone: $(git -C "$root" status --porcelain)"
step "ok: nothing left in the clone"
