#!/usr/bin/env bash
# Draws the app's mark (a white roof over a white cross on green: a family doctor) at 1024 px with
# ImageMagick and lets the Tauri CLI cut every size the bundles want from it (PNG sizes for Linux,
# the Windows .ico). Run again after changing the drawing; commit the results.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source_png="$here/source-1024.png"
convert -size 1024x1024 xc:none \
  -fill '#1f7a4d' -draw 'roundrectangle 40,40 984,984 180,180' \
  -fill white \
  -draw 'polygon 512,150 860,430 760,430 512,232 264,430 164,430' \
  -draw 'rectangle 442,400 582,860' \
  -draw 'rectangle 302,560 722,700' \
  "$source_png"
"$root/ui/node_modules/.bin/tauri" icon "$source_png" --output "$here"
# Only what the Linux and Windows bundles use: no mobile, Store or macOS icons.
rm -rf "$here/android" "$here/ios" "$here"/Square*Logo.png "$here/StoreLogo.png" "$here/icon.icns"
