/* SPDX-License-Identifier: MIT */
#pragma once

/* The journal entry of one change logonaclctl makes (SPEC §6): add, remove,
 * reindex, set.  The audit trail then shows who opened the door, not only who
 * walked through it:
 *
 *     MESSAGE_ID=db8ec35418dd4799a7d220c4838d031e  SYSLOG_IDENTIFIER=logonaclctl
 *     LOGONACL_CHANGE=add 203.0.113.0/24  LOGONACL_FILE=/etc/logonacl/approved
 *     LOGONACL_BY_UID=0  LOGONACL_BY_USER=alice
 *
 * LOGONACL_BY_USER is the person behind the command: the audit login uid
 * (/proc/self/loginuid, kept across su and sudo, not settable by the caller)
 * when set, else SUDO_USER (hosts without audit login uids), else the user of
 * the real uid. */

#define CHANGE_RECORD_MESSAGE_ID "db8ec35418dd4799a7d220c4838d031e"
#define CHANGE_RECORD_IDENTIFIER "logonaclctl"

/* Writes the entry for change (e.g. "add 203.0.113.0/24 expires=2027-01-31",
 * "set admin block-and-log") made to file.  0 or a negative errno (no journald). */
int change_record_write(const char *change, const char *file);

/* The same to another journal socket (tests). */
int change_record_write_to(const char *socket_path, const char *change, const char *file);
