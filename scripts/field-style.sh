#!/usr/bin/env bash
# Checks the field style of the types the UI exchanges with Rust: every property key of the
# generated TypeScript types (ui/src/generated) is snake_case, spelled as the Rust field is.
# Prints each offending "Type.field" and exits 1; exits 0 silently when all hold.
#
#   scripts/field-style.sh FILE.ts...
#
# Called by src-tauri/scripts/gen-types.sh on what it generates and by
# scripts/check-architecture.sh on the committed files.
set -euo pipefail

# Fields of the generated object types whose names are not snake_case (an uppercase letter in a
# property key), one "Type.field" a line. Only property keys count: type names, string-literal
# union members, generic arguments and index signatures ({ [key in string]: … }) are not
# fields. The files are tokenised (comments dropped, strings kept whole) and a key is a name or
# quoted string right after `{` or `,` of an object type, followed by `:` or `?:`.
non_snake_fields() {
  perl -0777 -ne '
    my $file = $ARGV;
    $file =~ s{.*/}{};
    $file =~ s{\.ts$}{};
    my @tokens;
    while (/\G(?:\s+|\/\*.*?\*\/|\/\/[^\n]*|("(?:[^"\\]|\\.)*"|[A-Za-z_\$][\w\$]*|=>|\S))/gsc) {
      push @tokens, $1 if defined $1;
    }
    my ($type, @open) = ($file);
    my %closer = ("}" => "{", "]" => "[", ")" => "(", ">" => "<");
    for my $i (0 .. $#tokens) {
      my $t = $tokens[$i];
      if (($t eq "type" || $t eq "interface") && $i > 0 && $tokens[$i - 1] eq "export" && $i < $#tokens) {
        $type = $tokens[$i + 1];
      } elsif ($t =~ /^[{\[(<]$/) {
        push @open, $t;
      } elsif (exists $closer{$t}) {
        pop @open if @open && $open[-1] eq $closer{$t};
      } elsif (@open && $open[-1] eq "{" && $i > 0 && $tokens[$i - 1] =~ /^[{,;]$/
               && $t =~ /^(?:"|[A-Za-z_\$])/) {
        my $j = $i + 1;
        $j++ if $j <= $#tokens && $tokens[$j] eq "?";
        next unless $j <= $#tokens && $tokens[$j] eq ":";
        (my $key = $t) =~ s/^"(.*)"$/$1/s;
        print "$type.$key\n" if $key =~ /[A-Z]/;
      }
    }
  ' "$@" | awk '!seen[$0]++'
}

bad="$(non_snake_fields "$@")"
if [ -n "$bad" ]; then
  {
    echo "field style: these fields of the types shared with the UI are not snake_case:"
    echo "$bad" | sed 's/^/  /'
    echo "field style: spell them as the Rust fields are (#[serde(rename_all = \"snake_case\")] or no"
    echo "  rename); add #[serde(alias = \"camelName\")] where JSON stored with the old name is still read"
  } >&2
  exit 1
fi
