#!/usr/bin/env bash
# Installs the Debian packages logonacl needs to build, test, package and demo,
# only those that are missing.  Sourced by tests/run.sh, demo.sh and .ci/run.

LOGONACL_PACKAGES=(
        # build
        gcc meson ninja-build pkg-config libpam0g-dev libsystemd-dev libcurl4-openssl-dev
        # tests: cmocka, real libpam, real journald, real SMTP, journal files with chosen times
        libcmocka-dev libpam-wrapper libpamtest0-dev pamtester libpam-modules libpam-runtime
        systemd systemd-journal-remote python3 python3-aiosmtpd openssl tzdata valgrind util-linux
        # the bash completion's test (bash-completion's _init_completion)
        bash-completion
        # the live fleet test: network namespaces (ip netns), hostnames per journald (hostname)
        iproute2 hostname
        # fuzzing and sanitizers
        clang libclang-rt-14-dev
        # packaging
        dpkg-dev debhelper devscripts lintian fakeroot scdoc rpm
        # the booted system (tests/boot): a root filesystem from the archive, ssh into it
        mmdebstrap openssh-client iproute2
        # real servers (tests/e2e): OpenSSH, Dovecot IMAP, Apache + mod_authnz_pam, nginx auth_pam,
        # and their clients
        openssh-server sshpass dovecot-imapd apache2 apache2-utils libapache2-mod-authnz-pam
        nginx-light libnginx-mod-http-auth-pam curl
        # the Cockpit page in a real browser (tests/cockpit): cockpit-ws without systemd,
        # the shell (PatternFly, Tools menu), headless chromium driven by selenium; sudo for
        # the test user's administrative access
        cockpit-ws cockpit-bridge cockpit-system chromium chromium-driver python3-selenium sudo
)

logonacl_install_deps() {
        local missing=() p
        for p in "${LOGONACL_PACKAGES[@]}"; do
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
