#!/usr/bin/env bash
# Installs the Pulumi resource plugins and the Node.js language host that ../shared/pulumi ships
# for machines without a plugin download (docs/decisions/0034). Usage: ensure-pulumi-plugins.sh <pulumi-cli>
#
# - No shared folder ($HEMMA_SHARED_PULUMI, default <repo>/../shared/pulumi): prints a note and
#   exits 0; Pulumi then acquires plugins itself, as on any machine with internet.
# - Otherwise both checksum lists are verified (compressed files, then the unpacked binaries)
#   before anything is installed; a mismatch exits 1 and installs nothing.
# - Plugins already installed at the same version are left alone, so a second run only stats files.
# - The language host is copied next to the CLI only when the CLI is this project's Go build
#   (under $HEMMA_CACHE_DIR): an official install ships its own and is never overwritten.
set -euo pipefail

cli="${1:?usage: ensure-pulumi-plugins.sh <pulumi-cli>}"
here="$(cd "$(dirname "$0")/.." && pwd)"
shared="${HEMMA_SHARED_PULUMI:-$here/../shared/pulumi}"
CACHE_DIR="${HEMMA_CACHE_DIR:-$HOME/.cache/hemma-infra}"
plugins_home="${PULUMI_HOME:-$HOME/.pulumi}/plugins"

if [ ! -f "$shared/SHA256SUMS.binaries" ]; then
  echo "ensure-pulumi-plugins: no $shared; Pulumi acquires plugins itself" >&2
  exit 0
fi

# pulumi-resource-<name>-v<version> -> "<name> <version>"
plugin_id() { local base; base="$(basename "$1")"; base="${base#pulumi-resource-}"; echo "${base%-v*} ${base##*-v}"; }

installed() { # <name> <version>
  [ -x "$plugins_home/resource-$1-v$2/pulumi-resource-$1" ] && [ ! -e "$plugins_home/resource-$1-v$2.partial" ]
}

cli_dir="$(cd "$(dirname "$cli")" && pwd)"
own_cli=false
case "$cli_dir/" in "$(cd "$CACHE_DIR" 2>/dev/null && pwd)/"*) own_cli=true ;; esac
langhost_sum="$(awk '$2 == "bin/pulumi-language-nodejs" { print $1 }' "$shared/SHA256SUMS.binaries")"

needed=()
while read -r _ file; do
  case "$file" in
    plugins/*) read -r name version < <(plugin_id "$file"); installed "$name" "$version" || needed+=("$file") ;;
    bin/pulumi-language-nodejs)
      if $own_cli && ! echo "$langhost_sum  $cli_dir/pulumi-language-nodejs" | sha256sum -c --status 2>/dev/null; then
        needed+=("$file")
      fi ;;
  esac
done <"$shared/SHA256SUMS.binaries"
[ "${#needed[@]}" -eq 0 ] && exit 0

echo "ensure-pulumi-plugins: verifying $shared" >&2
(cd "$shared" && sha256sum --quiet -c SHA256SUMS.xz) >&2 || {
  echo "ensure-pulumi-plugins: $shared/SHA256SUMS.xz does not match; nothing installed" >&2
  exit 1
}
out="$(mktemp -d "$CACHE_DIR/shared-pulumi.XXXXXX")"
trap 'rm -rf "$out"' EXIT
for file in "${needed[@]}"; do
  xz -dc "$shared/$file.xz" >"$out/$(basename "$file")"
  sum="$(awk -v f="$file" '$2 == f { print $1 }' "$shared/SHA256SUMS.binaries")"
  echo "$sum  $out/$(basename "$file")" | sha256sum --quiet -c >&2 || {
    echo "ensure-pulumi-plugins: $file unpacked does not match SHA256SUMS.binaries; nothing more installed" >&2
    exit 1
  }
  chmod 0755 "$out/$(basename "$file")"
  case "$file" in
    plugins/*)
      read -r name version < <(plugin_id "$file")
      echo "ensure-pulumi-plugins: installing resource plugin $name $version" >&2
      "$cli" plugin install resource "$name" "$version" --file "$out/$(basename "$file")" >&2 ;;
    bin/pulumi-language-nodejs)
      echo "ensure-pulumi-plugins: installing the Node.js language host next to $cli" >&2
      mv "$out/pulumi-language-nodejs" "$cli_dir/pulumi-language-nodejs.tmp"
      mv "$cli_dir/pulumi-language-nodejs.tmp" "$cli_dir/pulumi-language-nodejs" ;;
  esac
done
