#!/usr/bin/env bash
# Vendor the browser libraries as released files, with their licence, under app/static/vendor/.
# Pinned versions; re-run after changing one. Files are committed and never edited by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
SOCKET_IO_CLIENT=4.8.1
JSQR=1.4.0  # QR decoding for the check-in scanner where the browser has no BarcodeDetector

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "socket.io-client@${SOCKET_IO_CLIENT}" >/dev/null && tar xzf socket.io-client-*.tgz)
dest=app/static/vendor/socket.io
mkdir -p "$dest"
cp "$work/package/dist/socket.io.min.js" "$work/package/dist/socket.io.min.js.map" "$dest/"
cp "$work/package/LICENSE" "$dest/LICENSE"
echo "socket.io-client ${SOCKET_IO_CLIENT}" > "$dest/VERSION"
echo "Vendored socket.io-client ${SOCKET_IO_CLIENT} into $dest"

rm -rf "$work/package"
(cd "$work" && npm pack --silent "jsqr@${JSQR}" >/dev/null && tar xzf jsqr-*.tgz)
dest=app/static/vendor/jsqr
mkdir -p "$dest"
cp "$work/package/dist/jsQR.js" "$dest/"
cp "$work/package/LICENSE" "$dest/LICENSE"
echo "jsqr ${JSQR}" > "$dest/VERSION"
echo "Vendored jsqr ${JSQR} into $dest"
