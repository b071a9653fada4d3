#!/usr/bin/env bash
# Makes HanaMinFallback.ttf.gz and HanaMinSymbols.ttf, the fallback fonts for characters
# WenQuanYi Micro Hei lacks, from
# Debian's fonts-hanazono and unicode-data packages (see README). Run it only to change the
# subset; the result is committed. Needs pyftsubset/pyftmerge (Debian: python3-fonttools).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download fonts-hanazono unicode-data >/dev/null
dpkg -x fonts-hanazono_*.deb x
dpkg -x unicode-data_*.deb x
fonts=x/usr/share/fonts/truetype/hanazono

# The characters of the 通用规范汉字表 (Unihan's kTGHZ2013) that the main font lacks.
/usr/bin/python3 - "$here/WenQuanYiMicroHei.ttf" <<'PY'
import bz2, sys
from fontTools.ttLib import TTFont
main = TTFont(sys.argv[1], lazy=True).getBestCmap()
table = [int(line.split('\t')[0][2:], 16)
         for line in bz2.open('x/usr/share/unicode/Unihan_Readings.txt.bz2', 'rt')
         if '\tkTGHZ2013\t' in line]
missing = [c for c in table if c not in main]
open('bmp.txt', 'w').write(','.join('U+%X' % c for c in missing if c <= 0xFFFF))
open('astral.txt', 'w').write(','.join('U+%X' % c for c in missing if c > 0xFFFF))
PY

common=(--no-hinting --layout-features= --name-IDs='*' --drop-tables+=FFTM)
# Ext A whole, the newest characters of the basic block, and the table's other BMP characters.
pyftsubset "$fonts/HanaMinA.ttf" --unicodes="U+3400-4DBF,U+9FA6-9FFF,$(cat bmp.txt)" \
  --notdef-outline "${common[@]}" --output-file=a.ttf
# Ext B whole and the table's characters of Ext C to F.
pyftsubset "$fonts/HanaMinB.ttf" --unicodes="U+20000-2A6DF,$(cat astral.txt)" \
  "${common[@]}" --output-file=b.ttf
pyftmerge a.ttf b.ttf --output-file=HanaMinFallback.ttf
gzip -9n -c HanaMinFallback.ttf > "$here/HanaMinFallback.ttf.gz"
# The ballot boxes ☐☑☒ the agreement's check boxes need, apart: a few kilobytes to parse.
pyftsubset "$fonts/HanaMinA.ttf" --unicodes="U+2610-2612" "${common[@]}" \
  --notdef-outline --output-file="$here/HanaMinSymbols.ttf"
cp x/usr/share/doc/fonts-hanazono/copyright "$here/LICENSE-HanaMin.txt"
ls -l "$here/HanaMinFallback.ttf.gz"
