#!/bin/sh
# Builds the RPM from the committed tree: a tarball from git HEAD (or the work
# tree with --worktree), then rpmbuild -bb in a scratch _topdir.  On a system
# whose package database is not RPM's (Debian), the BuildRequires cannot be
# checked, so --nodeps is passed.  The .rpm files land in packaging/out/.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out="${LOGONACL_RPM_OUT:-$top/packaging/out}"
spec="$top/packaging/logonacl.spec"
version=$(sed -n 's/^Version:[[:space:]]*//p' "$spec")

command -v rpmbuild >/dev/null || { echo "build-rpm.sh: rpmbuild is missing (apt-get install rpm)" >&2; exit 1; }

scratch=$(mktemp -d /tmp/logonacl-rpm.XXXXXX)
[ -n "${LOGONACL_KEEP_SCRATCH:-}" ] || trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/SOURCES" "$scratch/stage/logonacl-$version"

if [ "${1:-}" = --worktree ]; then
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		(cd "$top" && xargs -0 tar -c --no-recursion --ignore-failed-read -f - 2>/dev/null) |
		tar -x -C "$scratch/stage/logonacl-$version"
	tar -C "$scratch/stage" -czf "$scratch/SOURCES/logonacl-$version.tar.gz" "logonacl-$version"
else
	git -C "$top" archive --format=tar.gz --prefix="logonacl-$version/" \
		-o "$scratch/SOURCES/logonacl-$version.tar.gz" HEAD
fi

set -- --define "_topdir $scratch"
if [ -f /etc/debian_version ]; then
	# No RPM database of build dependencies here, and no debuginfo tooling.
	set -- "$@" --nodeps --define "debug_package %{nil}"
fi

rpmbuild -bb "$@" "$spec" >"$scratch/build.log" 2>&1 || {
	tail -n 60 "$scratch/build.log" >&2
	echo "build-rpm.sh: rpmbuild failed" >&2
	exit 1
}
mkdir -p "$out"
find "$scratch/RPMS" -name '*.rpm' -exec cp {} "$out/" \;
find "$out" -name "logonacl-$version-*.rpm" | sort
