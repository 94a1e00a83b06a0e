#!/bin/sh
# Builds the Debian binary package from the committed tree (git archive HEAD) in a
# scratch folder, so the checkout stays clean, checks it with lintian and leaves
# the .deb in packaging/out/.
#   packaging/build-deb.sh            build HEAD
#   packaging/build-deb.sh --worktree build the work tree as it is now (uncommitted files too)
# Prints the path of the .deb on its last line.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out="${LOGONACL_DEB_OUT:-$top/packaging/out}"   # tests put it in a temp folder
source_from="head"
[ "${1:-}" = --worktree ] && source_from=worktree

for tool in dpkg-buildpackage lintian git; do
	command -v "$tool" >/dev/null || { echo "build-deb.sh: $tool is missing (apt-get install devscripts lintian git)" >&2; exit 1; }
done

scratch=$(mktemp -d /tmp/logonacl-deb.XXXXXX)
# LOGONACL_KEEP_SCRATCH=1 keeps the scratch folder (build log, unpacked tree) to look at.
[ -n "${LOGONACL_KEEP_SCRATCH:-}" ] || trap 'rm -rf "$scratch"' EXIT
# A TERM or INT (a test's timeout) ends the script through the EXIT trap too.
trap 'exit 1' HUP INT TERM
version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
src="$scratch/logonacl-$version"
mkdir "$src"

if [ "$source_from" = head ]; then
	git -C "$top" archive --format=tar HEAD | tar -x -C "$src"
else
	# The work tree as it is now: tracked and new files, not the ignored ones.
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		(cd "$top" && xargs -0 tar -c --no-recursion --ignore-failed-read -f - 2>/dev/null) | tar -x -C "$src"
fi
rm -rf "$src/debian"
cp -a "$src/packaging/debian" "$src/debian"

echo "build-deb.sh: building logonacl $version ($source_from) in $src"
(cd "$src" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-} parallel=$(nproc)" \
	dpkg-buildpackage -b -us -uc) >"$scratch/build.log" 2>&1 || {
	tail -n 60 "$scratch/build.log" >&2
	echo "build-deb.sh: dpkg-buildpackage failed" >&2
	exit 1
}

changes=$(ls "$scratch"/logonacl_"$version"_*.changes)
echo "build-deb.sh: lintian $(basename "$changes")"
# Errors fail the build; warnings and info are printed for the record.
lintian --fail-on error --display-info --suppress-tags-from-file /dev/null "$changes" || {
	echo "build-deb.sh: lintian reported errors" >&2
	exit 1
}

mkdir -p "$out"
for f in "$scratch"/*.deb "$scratch"/*.changes "$scratch"/*.buildinfo; do
	cp "$f" "$out/"
done
ls "$out"/logonacl_"$version"_*.deb | tail -n 1
