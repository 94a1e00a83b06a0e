/* SPDX-License-Identifier: MIT */
/* logonacl's Cockpit page (SPEC §8).  Every read and every change is a
 * logonaclctl command through cockpit.spawn (changes with the superuser), and
 * its --json output is what the page shows: the rules (what is a valid entry,
 * who would be locked out) stay in logonaclctl, the page holds none.  Values
 * from the journal and the files are hostile input: they only ever reach the
 * page as textContent, never as markup. */

"use strict";

const _ = cockpit.gettext;
const CTL = "logonaclctl";
const CHANNELS = [
    ["admin", _("Administrator console")],
    ["enduser", _("End user console")],
    ["api", _("API access")],
];
const ACTIONS = [
    ["none", _("None")],
    ["allow-and-log", _("Allow and log")],
    ["block-and-log", _("Block and log")],
];

let status = null;              /* the last `status --json` */
let callerAddress = null;       /* this console user's address, from their last cockpit logon */
let pendingSwitch = null;       /* [channel, action] the lockout guard held back */
let pendingApprove = null;      /* the address "approve this address" is about */

/* Runs logonaclctl; resolves with its stdout, or rejects with cockpit's error
 * (exit_status, message = stderr) and .out = the stdout it wrote meanwhile
 * (set's and what-if's table come with exit 3). */
function ctl(args, change) {
    let out = "";
    const proc = cockpit.spawn([CTL].concat(args), { superuser: change ? "require" : "try", err: "message" });
    proc.stream(data => { out += data });
    /* A native promise: a handler that throws inside cockpit's own would not reject. */
    return new Promise((resolve, reject) => {
        proc.then(() => resolve(out), ex => { ex.out = out; reject(ex) });
    });
}

/* Only the newest of overlapping reads of one kind may draw (a tab switch and a
 * click can both ask); body[data-KIND] says "loading" until it has. */
const generation = {};
function begin(kind) {
    const n = (generation[kind] || 0) + 1;
    generation[kind] = n;
    document.body.setAttribute("data-" + kind, "loading");
    return {
        current: () => generation[kind] === n,
        done: () => { if (generation[kind] === n) document.body.setAttribute("data-" + kind, "ready") },
    };
}

function jsonLines(text) {
    return text.split("\n").filter(l => l.trim() !== "").map(l => JSON.parse(l));
}

/* An element with text children only (never innerHTML). */
function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
        if (k === "class")
            e.className = v;
        else if (k.startsWith("on"))
            e.addEventListener(k.slice(2), v);
        else
            e.setAttribute(k, v);
    }
    for (const c of children)
        e.append(c === null || c === undefined ? "" : (typeof c === "object" ? c : String(c)));
    return e;
}

function errorText(ex) {
    if (ex && ex.problem === "access-denied")
        return _("Administrative access is required: turn it on in the top bar.");
    if (ex && ex.problem === "not-found")
        return _("logonaclctl is not installed.");
    return ex && ex.message ? ex.message : String(ex);
}

function showPageError(ex) {
    document.getElementById("page-error-text").textContent = ex ? errorText(ex) : "";
    document.getElementById("page-error").hidden = !ex;
}

function formatTime(usec) {
    if (usec === null || usec === undefined)
        return "";
    const d = new Date(Number(usec) / 1000);
    const p = n => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/* A journal value: a string, or journalctl's array of bytes for one that is not clean UTF-8. */
function text(v) {
    if (v === null || v === undefined)
        return "";
    if (Array.isArray(v))
        return v.map(b => (b >= 0x20 && b < 0x7f) ? String.fromCharCode(b) : "\\x" + b.toString(16).padStart(2, "0")).join("");
    /* Control bytes shown, not acted on (a user name may carry any). */
    return String(v).replace(/[\x00-\x1f\x7f]/g, c => "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0"));
}

/* --- tabs --- */

function showTab(name) {
    for (const b of document.querySelectorAll("#logonacl-tabs [data-tab]")) {
        const on = b.dataset.tab === name;
        b.parentElement.classList.toggle("pf-m-current", on);
        b.setAttribute("aria-selected", on ? "true" : "false");
        document.getElementById("panel-" + b.dataset.tab).hidden = !on;
    }
    if (name === "audit" && !document.querySelector("#audit-table tbody tr"))
        searchAudit();
    if (name === "alerts" || name === "settings")
        loadStatus();
}

/* --- status: header, settings, alerts --- */

function loadStatus() {
    const g = begin("status");
    return ctl(["status", "--json"])
            .catch(ex => {
                /* Exit 1 with an invalid configuration still prints the object. */
                if (ex.exit_status === 1 && ex.out)
                    return ex.out;
                throw ex;
            })
            .then(out => {
                if (!g.current())
                    return;
                status = JSON.parse(out);
                renderSummary();
                renderSettings();
                renderAlerts();
            })
            .catch(showPageError)
            .finally(g.done);
}

function renderSummary() {
    const s = status;
    const parts = [];
    if (!s.config.valid)
        parts.push(_("The configuration is invalid: controlled logons are refused until it is fixed."));
    else {
        parts.push(cockpit.format(cockpit.ngettext("$0 approved entry", "$0 approved entries", s.approved.entries),
                                  s.approved.entries));
        for (const [ch, label] of CHANNELS)
            parts.push(label + ": " + s.channels[ch].action);
    }
    document.getElementById("logonacl-summary").textContent = parts.join(" · ");
}

function renderSettings() {
    const box = document.getElementById("settings-channels");
    box.replaceChildren();
    if (!status.config.valid) {
        box.append(el("p", {}, _("The configuration is invalid:")),
                   ...status.config.messages.map(m => el("pre", {}, m)));
        return;
    }
    for (const [ch, label] of CHANNELS) {
        const current = status.channels[ch].action;
        const set = el("fieldset", { class: "logonacl-channel", id: "action-" + ch, role: "radiogroup" },
                       el("legend", {}, label));
        for (const [value, vlabel] of ACTIONS) {
            const id = "action-" + ch + "-" + value;
            const input = el("input", { class: "pf-c-radio__input", type: "radio", name: "action-" + ch, id, value });
            input.checked = value === current;
            input.addEventListener("change", () => switchAction(ch, value, false));
            set.append(el("div", { class: "pf-c-radio" }, input, el("label", { class: "pf-c-radio__label", for: id }, vlabel)));
        }
        const services = status.channels[ch].services;
        set.append(el("p", { class: "logonacl-muted" },
                      _("Services:") + " " + (services.length ? services.join(", ") : _("none"))));
        box.append(set);
    }
}

function restoreRadios() {
    for (const [ch] of CHANNELS) {
        const current = status && status.channels ? status.channels[ch].action : null;
        for (const r of document.querySelectorAll(`input[name="action-${ch}"]`))
            r.checked = r.value === current;
    }
}

/* set CHANNEL ACTION: the lockout guard answers exit 3 with who would be locked
 * out; that is shown in #lockout-warning and nothing changes until "Switch anyway". */
function switchAction(ch, action, force) {
    const args = ["set", ch, action, "--json"];
    if (force)
        args.push("--force");
    if (ch === "admin" && callerAddress)
        args.push("--caller-address", callerAddress);
    hideLockout();
    return ctl(args, true)
            .then(() => loadStatus())
            .catch(ex => {
                restoreRadios();
                if (ex.exit_status === 3)
                    showLockout(ch, action, jsonLines(ex.out || ""));
                else
                    showPageError(ex);
            });
}

/* The most frequent users of a client address, as what-if's table shows them. */
const USERS_SHOWN = 5;
function usersText(users) {
    const shown = users.slice(0, USERS_SHOWN).map(u => text(u.user) + " (" + u.logons + ")").join(", ");
    return users.length > USERS_SHOWN ? cockpit.format(_("$0, and $1 more"), shown, users.length - USERS_SHOWN) : shown;
}

function hideLockout() {
    document.getElementById("lockout-warning").hidden = true;
    pendingSwitch = null;
}

function showLockout(ch, action, lines) {
    const clients = lines.filter(l => "client" in l);
    const self = lines.find(l => "self" in l);
    pendingSwitch = [ch, action];
    document.getElementById("lockout-warning-title").textContent =
        cockpit.format(_("Not switched: with $0 on $1, these logons of the last 30 days would have been blocked."),
                       action, ch);
    const selfP = document.getElementById("lockout-warning-self");
    selfP.hidden = !self;
    if (self)
        selfP.textContent = cockpit.format(_("Your own address $0 would be blocked too."), text(self.self));
    const tbody = document.querySelector("#lockout-table tbody");
    tbody.replaceChildren(...clients.map(c => el("tr", {},
        el("td", {}, text(c.client)), el("td", {}, c.logons), el("td", {}, c.after_auth),
        el("td", {}, formatTime(c.last_seen_usec)),
        el("td", {}, usersText(c.users)))));
    document.getElementById("lockout-table").hidden = clients.length === 0;
    document.getElementById("lockout-warning").hidden = false;
}

function renderAlerts() {
    const s = status;
    const dl = document.getElementById("alerts-status");
    const rows = [];
    const row = (term, ...desc) => rows.push(el("div", { class: "pf-c-description-list__group" },
        el("dt", { class: "pf-c-description-list__term" }, term),
        el("dd", { class: "pf-c-description-list__description", id: "alerts-" + term.toLowerCase().replace(/[^a-z]+/g, "-") }, ...desc)));
    if (s.alert) {
        row(_("Recipients"), s.alert.email.length ? s.alert.email.join(", ") : _("none: no alert mail"));
        row(_("Threshold"), cockpit.format(_("$0 alerts in 24 hours"), s.alert.threshold));
        /* The form shows what the file says, unless the user is editing it. */
        const email = document.getElementById("alert-email");
        if (document.activeElement !== email)
            email.value = s.alert.email.join(", ");
        document.getElementById("alert-threshold").value = String(s.alert.threshold);
    }
    const a = s.alertd;
    row(_("Alert daemon"), a.running ? cockpit.format(_("running (PID $0)"), a.pid) : _("not running"));
    if (a.state === "ok") {
        row(_("Position"), a.position_usec ? formatTime(a.position_usec) : _("no entry read yet"));
        row(_("Window"), a.window.open
            ? cockpit.format(_("$0 to $1: $2 of $3 alerts sent, $4 not sent"), formatTime(a.window.start_usec),
                             formatTime(a.window.end_usec), a.window.sent, a.window.threshold, a.window.suppressed)
            : _("none open"));
        row(_("Pending alert"), a.pending ? _("yes: to be resent") : _("none"));
    } else
        row(_("State"), a.state === "missing" ? _("none yet") : text(a.state_error));
    const e = a.last_delivery_error;
    row(_("Last delivery error"), e
        ? cockpit.format("$0 $1 (SMTP $2: $3)$4", formatTime(e.time_usec), e.event, text(e.smtp_code), text(e.smtp_error),
                         e.delivered_since ? _("; delivered since") : "")
        : _("none"));
    if (s.decisions_24h) {
        const d = s.decisions_24h;
        row(_("Last 24 hours"), CHANNELS.map(([ch, label]) =>
            cockpit.format(_("$0: $1 allowed, $2 logged, $3 blocked"), label, d[ch].allowed, d[ch].logged, d[ch].blocked)).join("; "));
    }
    dl.replaceChildren(...rows);
}

/* logonaclctl alert: the parser of logonacl.conf decides what is valid; its
 * file:line reason is shown under the form and the file stays as it was. */
function saveAlert(ev) {
    ev.preventDefault();
    const args = ["alert", "--json", "--threshold", document.getElementById("alert-threshold").value,
                  "--email", document.getElementById("alert-email").value.trim()];
    document.getElementById("alert-error").hidden = true;
    const g = begin("alert");
    return ctl(args, true)
            .then(() => loadStatus())
            .catch(ex => {
                document.getElementById("alert-error-text").textContent = errorText(ex);
                document.getElementById("alert-error").hidden = false;
            })
            .finally(g.done);
}

/* --- approved addresses --- */

function loadApproved() {
    return ctl(["list", "--json"])
            .then(out => {
                const tbody = document.querySelector("#approved-list tbody");
                tbody.replaceChildren(...jsonLines(out).map(approvedRow));
                showPageError(null);
            })
            .catch(showPageError);
}

function approvedRow(e) {
    const source = text(e.file) + ":" + e.line;
    const action = e.main
        ? el("button", { class: "pf-c-button pf-m-secondary pf-m-small", type: "button", "data-entry": e.entry,
                         onclick: () => removeEntry(e.entry) }, _("Remove"))
        : el("span", { class: "logonacl-readonly" }, _("read-only (drop-in)"));
    return el("tr", { "data-entry": e.entry },
              el("td", { "data-label": _("Entry") }, e.entry),
              el("td", { "data-label": _("Expires") }, e.expires ? e.expires + (e.expired ? " " + _("(expired)") : "") : ""),
              el("td", { "data-label": _("Comment") }, text(e.comment)),
              el("td", { "data-label": _("Source") }, source),
              el("td", {}, action));
}

function showAddError(message) {
    document.getElementById("approved-add-error-text").textContent = message || "";
    document.getElementById("approved-add-error").hidden = !message;
}

/* add is all or nothing: an invalid entry writes nothing, and its error (SPEC §1's
 * two lines) is logonaclctl's own, shown next to the field. */
function addEntry(ev) {
    ev.preventDefault();
    const input = document.getElementById("approved-add-input");
    const value = input.value.trim();
    const expires = document.getElementById("approved-add-expires").value.trim();
    const comment = document.getElementById("approved-add-comment").value.trim();
    showAddError(null);
    if (!value)
        return;
    const args = ["add"];
    if (expires)
        args.push("--expires", expires);
    if (comment)
        args.push("--comment", comment);
    args.push("--", value);
    return ctl(args, true)
            .then(() => {
                input.value = "";
                document.getElementById("approved-add-expires").value = "";
                document.getElementById("approved-add-comment").value = "";
                loadStatus();
                return loadApproved();
            })
            .catch(ex => showAddError(errorText(ex)));
}

function removeEntry(entry) {
    return ctl(["remove", "--", entry], true).then(() => { loadStatus(); return loadApproved() }).catch(showPageError);
}

/* --- audit log --- */

function auditArgs() {
    const args = ["log", "--json", "--no-pager", "-n", "500"];
    const opt = (flag, id) => {
        const v = document.getElementById(id).value.trim();
        if (v)
            args.push(flag, v);
    };
    opt("--activity", "audit-activity");
    opt("--channel", "audit-channel");
    opt("--user", "audit-user");
    opt("--since", "audit-since");
    opt("--until", "audit-until");
    return args;
}

function searchAudit(ev) {
    if (ev)
        ev.preventDefault();
    document.getElementById("audit-error").hidden = true;
    const g = begin("audit");
    return ctl(auditArgs())
            .then(out => {
                if (!g.current())
                    return;
                const entries = jsonLines(out).reverse();       /* newest first */
                const tbody = document.querySelector("#audit-table tbody");
                tbody.replaceChildren(...entries.map(auditRow));
                document.getElementById("audit-count").textContent =
                    cockpit.format(cockpit.ngettext("$0 entry", "$0 entries", entries.length), entries.length);
            })
            .catch(ex => {
                document.getElementById("audit-error-text").textContent = errorText(ex);
                document.getElementById("audit-error").hidden = false;
            })
            .finally(g.done);
}

function auditRow(e) {
    const blocked = e.kind === "logged" || e.kind === "blocked";
    const approve = blocked && e.client_ip
        ? el("button", { class: "pf-c-button pf-m-link pf-m-inline pf-m-small logonacl-approve", type: "button",
                         onclick: ev => { ev.stopPropagation(); showApprove(e) } }, _("Approve this address"))
        : "";
    const tr = el("tr", { class: "logonacl-row", tabindex: "0", "data-kind": e.kind },
                  el("td", {}, formatTime(e.realtime_usec)),
                  el("td", {}, text(e.event) || e.kind),
                  el("td", {}, text(e.user)),
                  el("td", {}, text(e.client_ip)),
                  el("td", {}, text(e.service)),
                  el("td", {}, text(e.host)),
                  el("td", {}, approve));
    tr.addEventListener("click", () => toggleDetail(tr, e));
    return tr;
}

/* The full entry under its row: every field as the journal holds it. */
function toggleDetail(tr, e) {
    const next = tr.nextElementSibling;
    if (next && next.classList.contains("logonacl-detail")) {
        next.remove();
        return;
    }
    const dl = el("dl", {});
    for (const [k, v] of Object.entries(e))
        if (v !== null && v !== "")
            dl.append(el("dt", {}, k), el("dd", {}, text(v)));
    tr.after(el("tr", { class: "logonacl-detail" }, el("td", { colspan: "7" }, dl)));
}

/* "Approve this address": before anything is written, what the address did
 * (its blocked and logged logons of the last 30 days, from log) and what
 * block-and-log would do to it (from what-if: its allowed and logged logons). */
function showApprove(e) {
    const ip = text(e.client_ip);
    const channel = text(e.channel) || "admin";
    pendingApprove = ip;
    document.getElementById("approve-title").textContent = cockpit.format(_("Approve $0?"), ip);
    const whatif = document.getElementById("approve-whatif");
    whatif.textContent = _("Reading the journal...");
    document.getElementById("approve-panel").hidden = false;
    const g = begin("approve");
    const history = ctl(["log", "--json", "--no-pager", "--rhost", ip, "--activity", "blocked-and-logged",
                         "--since", "-30d", "-n", "all"]);
    const replay = ctl(["what-if", "--channel", channel, "--json"]).catch(ex => {
        if (ex.exit_status === 3)
            return ex.out;
        throw ex;
    });
    return Promise.all([history, replay])
            .then(([hist, out]) => {
                const past = jsonLines(hist);
                const users = [...new Set(past.map(l => text(l.user)).reverse())];      /* newest first */
                const lines = [cockpit.format(_("In the last 30 days, $0 logons from this address were blocked or logged (users: $1)."),
                                              past.length, users.slice(0, USERS_SHOWN).join(", ") +
                                              (users.length > USERS_SHOWN ? cockpit.format(_(", and $0 more"), users.length - USERS_SHOWN) : ""))];
                const row = jsonLines(out || "").find(l => text(l.client) === ip);
                lines.push(row
                    ? cockpit.format(_("Under block-and-log, $0 more logons ($1 after authentication) by $2 would be blocked in the $3 channel; last seen $4."),
                                     row.logons, row.after_auth, usersText(row.users), channel,
                                     formatTime(row.last_seen_usec))
                    : cockpit.format(_("What-if: no allowed logon of the $0 channel from this address would be blocked."), channel));
                lines.push(_("Approving it lets these logons in."));
                whatif.textContent = lines.join("\n");
            })
            .catch(ex => { whatif.textContent = errorText(ex) })
            .finally(g.done);
}

function approveConfirm() {
    const ip = pendingApprove;
    if (!ip)
        return;
    return ctl(["add", "--comment", _("approved from the audit log"), "--", ip], true)
            .then(() => {
                document.getElementById("approve-panel").hidden = true;
                pendingApprove = null;
                loadStatus();
                return loadApproved();
            })
            .catch(ex => { document.getElementById("approve-whatif").textContent = errorText(ex) });
}

/* This user's address as the module saw it at their last cockpit logon, so that
 * set's guard can tell when switching admin would lock this very console out. */
function findCallerAddress() {
    return cockpit.user()
            .then(user => ctl(["log", "--json", "--no-pager", "--channel", "admin", "--user", user.name, "-n", "20"]))
            .then(out => {
                const mine = jsonLines(out).filter(e => text(e.service) === "cockpit" && e.client_ip);
                if (mine.length)
                    callerAddress = text(mine[mine.length - 1].client_ip);
            })
            .catch(() => {});
}

function init() {
    cockpit.translate();
    for (const b of document.querySelectorAll("#logonacl-tabs [data-tab]"))
        b.addEventListener("click", () => showTab(b.dataset.tab));
    document.getElementById("approved-add-form").addEventListener("submit", addEntry);
    document.getElementById("audit-form").addEventListener("submit", searchAudit);
    document.getElementById("alert-form").addEventListener("submit", saveAlert);
    document.getElementById("lockout-force").addEventListener("click", () => {
        if (pendingSwitch)
            switchAction(pendingSwitch[0], pendingSwitch[1], true);
    });
    document.getElementById("lockout-cancel").addEventListener("click", hideLockout);
    document.getElementById("approve-confirm").addEventListener("click", approveConfirm);
    document.getElementById("approve-cancel").addEventListener("click", () => {
        document.getElementById("approve-panel").hidden = true;
        pendingApprove = null;
    });
    loadApproved();
    loadStatus();
    findCallerAddress();
    cockpit.transport.wait(() => document.body.setAttribute("data-logonacl-ready", "1"));
}

document.addEventListener("DOMContentLoaded", init);
