#!/usr/bin/env bash
# Vendor the front-end packages the pages use into static/vendor/, so the portal needs no CDN at run time.
#
# Each package is fetched from the npm registry with `npm pack` at an exact version (npm checks the tarball
# against the registry's integrity hash), only the files the pages load are kept, and static/vendor/SOURCES.md
# records where every file came from with its sha256. Run it again after changing a version below; commit the
# result. Needs node/npm; the portal itself does not.
set -euo pipefail

PICO_VERSION="2.1.1"
# htmx 2.0 is the line whose attributes and events the later pages are written against; 4.x changes them.
HTMX_VERSION="2.0.11"
# The lineage view: cytoscape.js draws the graph; cytoscape-dagre 4 lays it out and bundles dagre v3 itself.
CYTOSCAPE_VERSION="3.34.4"
CYTOSCAPE_DAGRE_VERSION="4.0.1"
# axe-core is loaded by no page: the browser tests inject it to check each main page's accessibility.
AXE_CORE_VERSION="4.14.1"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

sources_rows=()

# vendor <npm package> <version> <target dir under static/vendor> <file in package>...
vendor() {
    local package="$1" version="$2" target="$3"
    shift 3
    local unpacked="$work/$target"
    mkdir -p "$unpacked"
    local tarball
    tarball="$(cd "$work" && npm pack --silent "$package@$version" | tail -n 1)"
    tar -xzf "$work/$tarball" -C "$unpacked"
    local integrity
    integrity="$(npm view --silent "$package@$version" dist.integrity)"

    rm -rf "${dest:?}/$target"
    mkdir -p "$dest/$target"
    local file
    for file in "$@"; do
        if [[ ! -f "$unpacked/package/$file" ]]; then
            echo "error: $package@$version has no $file" >&2
            exit 1
        fi
        cp "$unpacked/package/$file" "$dest/$target/$(basename "$file")"
        # Source maps are not vendored; a comment pointing at one would make collectstatic's manifest
        # storage fail in the production profile, so it goes.
        sed -i -E '/^[[:space:]]*(\/\/|\/\*)# sourceMappingURL=.*$/d' "$dest/$target/$(basename "$file")"
        local sum
        sum="$(sha256sum "$dest/$target/$(basename "$file")" | cut -d' ' -f1)"
        sources_rows+=("| \`$package\` | $version | \`$file\` | \`$target/$(basename "$file")\` | \`$sum\` |")
    done
    sources_rows+=("| \`$package\` | $version | (tarball) | | integrity \`$integrity\` |")
}

vendor "@picocss/pico" "$PICO_VERSION" "pico" "css/pico.min.css" "LICENSE.md"
vendor "htmx.org" "$HTMX_VERSION" "htmx" "dist/htmx.min.js" "LICENSE"
vendor "cytoscape" "$CYTOSCAPE_VERSION" "cytoscape" "dist/cytoscape.min.js" "LICENSE"
vendor "cytoscape-dagre" "$CYTOSCAPE_DAGRE_VERSION" "cytoscape-dagre" "dist/cytoscape-dagre.min.js" "LICENSE"
vendor "axe-core" "$AXE_CORE_VERSION" "axe-core" "axe.min.js" "LICENSE"

{
    echo "# Vendored front-end files"
    echo
    echo "Written by \`scripts/vendor_static.sh\`; do not edit by hand. Each file is copied from the npm package"
    echo "named, fetched with \`npm pack <package>@<version>\`, unchanged but for source-map comments (the maps are"
    echo "not vendored). The sha256 is of the file here."
    echo
    echo "| package | version | file in package | file here | sha256 |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${sources_rows[@]}"
} >"$dest/SOURCES.md"

echo "vendored into $dest:"
(cd "$dest" && find . -type f | sort)
