#!/usr/bin/env bash
# Re-create ui/static/vendor/vue-flow/ from npm: each package's prebuilt single-file ESM build
# (it imports only "vue" and "@vue-flow/core"), its CSS, its LICENSE and a VERSION note.
# NiceGUI serves each folder as an ESM package (esm= in ui/editor/canvas.py), so index.js is the entry.
# Usage: ui/static/vendor/refresh-vue-flow.sh   (needs npm and a reachable registry; no build step)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
target="$here/vue-flow"
# folder  npm package  version  files to keep from dist/
packages=(
  "core        @vue-flow/core        1.48.2  vue-flow-core.mjs style.css theme-default.css"
  "background  @vue-flow/background  1.3.2   vue-flow-background.mjs"
  "controls    @vue-flow/controls    1.1.3   vue-flow-controls.mjs style.css"
  "minimap     @vue-flow/minimap     1.5.4   vue-flow-minimap.mjs style.css"
)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf "$target"
for line in "${packages[@]}"; do
  read -r folder package version entry css <<<"$line"
  (cd "$work" && npm pack --silent "$package@$version" >/dev/null)
  tarball="$work/$(echo "${package#@}" | tr '/' '-')-$version.tgz"
  mkdir -p "$work/$folder" "$target/$folder"
  tar -xzf "$tarball" -C "$work/$folder"
  cp "$work/$folder/package/dist/$entry" "$target/$folder/index.js"
  for file in $css; do
    cp "$work/$folder/package/dist/$file" "$target/$folder/$file"
  done
  cp "$work/$folder/package/LICENSE" "$target/$folder/LICENSE"
  sha="$(sha256sum "$tarball" | cut -d' ' -f1)"
  printf '%s %s (MIT)\nfrom npm pack %s@%s, dist/%s -> index.js\ntarball sha256 %s\n' \
    "$package" "$version" "$package" "$version" "$entry" "$sha" >"$target/$folder/VERSION"
done
echo "vendored into $target"
