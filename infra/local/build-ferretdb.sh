#!/usr/bin/env bash
# Build FerretDB from its Go module source, with or without the carried patches.
#
#   bash infra/local/build-ferretdb.sh            # patched build: $(go env GOPATH)/bin/ferretdb
#                                                 # (every infra/local/ferretdb-*.patch, in name order)
#   bash infra/local/build-ferretdb.sh --upstream # unpatched:     $(go env GOPATH)/bin/ferretdb-upstream
#   bash infra/local/build-ferretdb.sh --print-path [--upstream]   # where it is, nothing built
#
# Idempotent: skips the build when the binary already reports the expected version. The patched
# build's version carries the patches' checksum, so changing a patch rebuilds it.
#
# A plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that
# panics at start: its version comes from build/version/version.txt, generated from git and
# absent from the module zip. So: fetch the module, write version.txt, patch, build.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FERRETDB_VERSION="v1.24.2"
FERRETDB_COMMIT="cda72d440810406a208c4670aa7047f5bc8d528f" # tag v1.24.2
PATCHES=("$HERE"/ferretdb-*.patch)

upstream=0
print_path=0
for arg in "$@"; do
    case "$arg" in
        --upstream) upstream=1 ;;
        --print-path) print_path=1 ;;
        -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-ferretdb.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done

say() { printf '[ferretdb] %s\n' "$*" >&2; }
die() { printf '[ferretdb] ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "the Go toolchain is needed to build FerretDB; install Go and re-run"
bin_dir="$(go env GOPATH)/bin"
if [ "$upstream" = 1 ]; then
    bin="$bin_dir/ferretdb-upstream"
    version="$FERRETDB_VERSION"
else
    bin="$bin_dir/ferretdb"
    version="$FERRETDB_VERSION-anjian.$(cat "${PATCHES[@]}" | sha256sum | cut -c1-12)"
fi

if [ "$print_path" = 1 ]; then echo "$bin"; exit 0; fi

# (grep without -q: under pipefail an early-exiting grep -q can kill the writer with SIGPIPE.)
if "$bin" --version 2>/dev/null | grep -x "version: $version" >/dev/null; then
    say "$version already built ($bin)"
    echo "$bin"
    exit 0
fi

say "building $version from source (takes a few minutes the first time)"
src="$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$src" ] || die "go mod download github.com/FerretDB/FerretDB@$FERRETDB_VERSION failed"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -r "$src/." "$tmp/"
chmod -R u+w "$tmp"
echo "$version" >"$tmp/build/version/version.txt"
echo "$FERRETDB_COMMIT" >"$tmp/build/version/commit.txt"
if [ "$upstream" = 0 ]; then
    for patch_file in "${PATCHES[@]}"; do
        (cd "$tmp" && patch -p1 --quiet --forward <"$patch_file") \
            || die "the patch $patch_file does not apply"
    done
fi
mkdir -p "$bin_dir"
log="$tmp/build.log"
if ! (cd "$tmp" && go build -buildvcs=false -trimpath -o "$bin.new" ./cmd/ferretdb) >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "build failed"
fi
mv "$bin.new" "$bin"
say "built $version ($bin)"
echo "$bin"
