#!/usr/bin/env bash
# The interop tests run real sse-starlette backends: install their packages (tests/interop/backend/
# requirements.txt, examples/fastapi/requirements.txt) and the tests' own Python tools into .pydeps/
# (git-ignored) unless they are already there. pip is pointed at the
# package index it is configured with (`pip config list`), so it never waits on an unreachable PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUIREMENTS=(tests/interop/backend/requirements.txt examples/fastapi/requirements.txt
  tests/interop/requirements-tools.txt)
TARGET=${PYDEPS_DIR:-.pydeps}
PYTHON=${PYTHON:-python3}
STAMP="$TARGET/.requirements.sha256"

command -v "$PYTHON" >/dev/null 2>&1 || {
  echo "The interop tests need Python 3 ($PYTHON not found). Install with: sudo apt-get install -y python3 python3-pip" >&2
  exit 1
}
want=$(cat "${REQUIREMENTS[@]}" | sha256sum | cut -d' ' -f1)
installed() { [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; }
installed && exit 0

# One installer at a time (test workers may call this concurrently); the others wait and reuse it.
mkdir -p "$(dirname "$TARGET")"
exec 9>"$TARGET.lock"
flock 9
installed && exit 0

# The configured index: index-url / extra-index-url from pip's config (file:// mirrors first), and
# find-links. Without any, fall back to the machine's local mirror if there is one, else pip's default.
config=$("$PYTHON" -m pip config list 2>/dev/null || true)
urls=()
for key in index-url extra-index-url; do
  value=$(printf '%s\n' "$config" | sed -n "s/^[^=]*\.$key='\(.*\)'\$/\1/p" | head -n1)
  for url in $value; do urls+=("$url"); done
done
if [ "${#urls[@]}" -eq 0 ] && [ -d /opt/pypi/simple ]; then urls=(file:///opt/pypi/simple); fi
index_args=()
if [ "${#urls[@]}" -gt 0 ]; then
  index_args+=(--index-url "${urls[0]}")
  for url in "${urls[@]:1}"; do index_args+=(--extra-index-url "$url"); done
fi
links=$(printf '%s\n' "$config" | sed -n "s/^[^=]*\.find-links='\(.*\)'\$/\1/p" | head -n1)
[ -z "$links" ] && [ -d /opt/wheels ] && links=/opt/wheels
for link in $links; do index_args+=(--find-links "$link"); done

echo "Installing the Python test backend's packages into $TARGET (index: ${urls[0]:-pip default})…"
staging="$TARGET.partial-$$"
rm -rf "$staging"
trap 'rm -rf "$staging"' EXIT
# (Mirrors that lack a package make pip warn once per package: not worth showing.)
"$PYTHON" -m pip install --quiet --disable-pip-version-check --no-input --timeout 20 \
  --root-user-action=ignore "${index_args[@]}" --target "$staging" "${REQUIREMENTS[@]/#/-r}" \
  2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
printf '%s\n' "$want" >"$staging/.requirements.sha256"
rm -rf "$TARGET"
mv "$staging" "$TARGET"
trap - EXIT
