#!/usr/bin/env bash
# The Debian packages logonacl needs, in groups, and an installer for the missing
# ones; journald helpers.  Sourced by demo.sh, tests/run.sh, tests/fuzz/run.sh and
# tests/bench/run.sh.
#   logonacl_install_deps build demo     what ./demo.sh needs
#   logonacl_install_deps                every group (all): the whole suite and .ci/run

# build: what `meson setup -Dtests=false` and ninja need
LOGONACL_DEPS_build=(gcc libc6-dev meson ninja-build pkg-config libpam0g-dev libsystemd-dev libcurl4-openssl-dev)
# demo: what ./demo.sh runs besides the build: pamtester under pam_wrapper (pam_set_items.so),
# pam_permit.so, systemd-journald and journalctl, an aiosmtpd SMTP server on /usr/bin/python3
LOGONACL_DEPS_demo=(libpam-wrapper pamtester libpam-modules systemd python3 python3-aiosmtpd)
# test: the suites' real parts: cmocka, real libpam, real journald, real SMTP, journal files
# with chosen times; bash-completion's _init_completion for the completion's test; network
# namespaces (ip netns) and a hostname per journald for the live fleet test
LOGONACL_DEPS_test=(libcmocka-dev libpam-wrapper libpamtest0-dev pamtester libpam-modules libpam-runtime
        systemd systemd-journal-remote python3 python3-aiosmtpd openssl tzdata valgrind util-linux
        bash-completion iproute2 hostname)
# fuzz: libFuzzer targets (clang); their build configures tests/, so cmocka too
LOGONACL_DEPS_fuzz=(clang libclang-rt-14-dev libcmocka-dev)
# package: the Debian package (lintian on the result), the man pages, the RPM; git for
# build-deb.sh and build-rpm.sh (git archive of the tree)
LOGONACL_DEPS_package=(dpkg-dev debhelper devscripts lintian fakeroot scdoc rpm git)
# boot (tests/boot): a root filesystem from the archive, booted, ssh into it
LOGONACL_DEPS_boot=(mmdebstrap openssh-client iproute2)
# e2e (tests/e2e): OpenSSH, Dovecot IMAP, Apache + mod_authnz_pam, nginx auth_pam, their clients
LOGONACL_DEPS_e2e=(openssh-server sshpass dovecot-imapd apache2 apache2-utils libapache2-mod-authnz-pam
        nginx-light libnginx-mod-http-auth-pam curl)
# cockpit (tests/cockpit): cockpit-ws without systemd, the shell (PatternFly, Tools menu),
# headless chromium driven by selenium; sudo for the test user's administrative access
LOGONACL_DEPS_cockpit=(cockpit-ws cockpit-bridge cockpit-system chromium chromium-driver python3-selenium sudo)
# bench (tests/bench/run.sh, with build and test): peak RSS through /usr/bin/time
LOGONACL_DEPS_bench=(time)
LOGONACL_DEP_GROUPS=(build demo test fuzz package boot e2e cockpit bench)

# Prints the packages of the named groups (default: all), one a line, each once.
logonacl_deps_list() {
        local groups=("$@") g p out=() seen=" "
        [ ${#groups[@]} -gt 0 ] || groups=(all)
        for g in "${groups[@]}"; do
                # Each name whole: "build demo" as one argument is no group.
                if [[ $g == *[[:space:]]* || " ${LOGONACL_DEP_GROUPS[*]} all " != *" $g "* ]]; then
                        echo "tests/deps.sh: no package group '$g' (groups: ${LOGONACL_DEP_GROUPS[*]} all)" >&2
                        return 2
                fi
        done
        [[ " ${groups[*]} " != *" all "* ]] || groups=("${LOGONACL_DEP_GROUPS[@]}")
        for g in "${groups[@]}"; do
                local -n list="LOGONACL_DEPS_$g"
                for p in "${list[@]}"; do
                        [[ $seen == *" $p "* ]] || { out+=("$p"); seen+="$p "; }
                done
                unset -n list
        done
        printf '%s\n' "${out[@]}"
}

# Installs the missing packages of the named groups (default: all).
logonacl_install_deps() {
        local wanted missing=() p
        wanted=$(logonacl_deps_list "$@") || return
        for p in $wanted; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
        done
        [ ${#missing[@]} -eq 0 ] && return 0
        if [ "$(id -u)" -ne 0 ]; then
                echo "missing Debian packages (run as root to install): ${missing[*]}" >&2
                return 1
        fi
        echo "installing: ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        # The server packages' postinst must not start sshd, Dovecot, Apache or nginx
        # on the host: a policy-rc.d that denies every start, for this install only.
        local policy=/usr/sbin/policy-rc.d made_policy= rc=0
        if [ ! -e "$policy" ]; then
                printf '#!/bin/sh\n# tests/deps.sh: no daemon starts while logonacl installs its test packages\nexit 101\n' >"$policy"
                chmod 0755 "$policy"
                made_policy=1
        fi
        apt-get update -qq >&2 &&
                apt-get install -y -qq -o DPkg::Lock::Timeout=900 --no-install-recommends "${missing[@]}" >&2 || rc=$?
        [ -z "$made_policy" ] || rm -f "$policy"
        return $rc
}

# Starts a systemd-journald when none listens on the journal socket (systemd is
# not PID 1 in containers and CI).  Sets LOGONACL_STARTED_JOURNALD to its pid.
logonacl_ensure_journald() {
        LOGONACL_STARTED_JOURNALD=
        if /usr/bin/python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect("/run/systemd/journal/socket")' 2>/dev/null; then
                return 0
        fi
        /lib/systemd/systemd-journald </dev/null >/dev/null 2>&1 &
        LOGONACL_STARTED_JOURNALD=$!
        for _ in $(seq 1 100); do
                /usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect("/run/systemd/journal/socket")' 2>/dev/null && return 0
                sleep 0.1
        done
        echo "systemd-journald did not start" >&2
        return 1
}

logonacl_stop_journald() {
        [ -n "${LOGONACL_STARTED_JOURNALD:-}" ] || return 0
        kill "$LOGONACL_STARTED_JOURNALD" 2>/dev/null || true
        wait "$LOGONACL_STARTED_JOURNALD" 2>/dev/null || true
}
