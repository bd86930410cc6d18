#!/usr/bin/env bash
# Vendor the browser libraries as released files, with their licence, under app/static/vendor/.
# Pinned versions; re-run after changing one. Files are committed and never edited by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
SOCKET_IO_CLIENT=4.8.1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "socket.io-client@${SOCKET_IO_CLIENT}" >/dev/null && tar xzf socket.io-client-*.tgz)
dest=app/static/vendor/socket.io
mkdir -p "$dest"
cp "$work/package/dist/socket.io.min.js" "$work/package/dist/socket.io.min.js.map" "$dest/"
cp "$work/package/LICENSE" "$dest/LICENSE"
echo "socket.io-client ${SOCKET_IO_CLIENT}" > "$dest/VERSION"
echo "Vendored socket.io-client ${SOCKET_IO_CLIENT} into $dest"
