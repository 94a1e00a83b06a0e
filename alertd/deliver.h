/* SPDX-License-Identifier: MIT */
#pragma once

/* Delivers one alert mail with SPEC §5's retries: a failure to connect, a
 * timeout or a 4xx reply is retried with backoff (1 s doubling to 5 min), a
 * 5xx or a configuration error gives the alert up.  It reads no signal and
 * reloads nothing: between attempts it waits through its caller's hook, which
 * says whether to stop, so the configuration cannot change in the middle of
 * one alert (headers from one, envelope from another). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp.h"

#define BACKOFF_FIRST_USEC 1000000ULL
#define BACKOFF_MAX_USEC (300ULL * 1000000ULL)

enum delivery {
        DELIVERY_DONE,
        DELIVERY_FAILED,        /* 5xx or configuration: given up, slot used */
        DELIVERY_GAVE_UP,       /* max_attempts transient failures (--once): stays pending */
        DELIVERY_INTERRUPTED,   /* told to stop while retrying: stays pending */
};

struct delivery_hooks {
        /* Waits up to usec, keeping the watchdog fed; false: stop now (SIGTERM). */
        bool (*wait)(void *userdata, uint64_t usec);
        /* Says what is waited for: a failed attempt to be retried in backoff_usec. */
        void (*retrying)(void *userdata, unsigned attempt, uint64_t backoff_usec, const struct smtp_result *res);
        /* Called during a transaction, at least once a second (the watchdog). */
        void (*alive)(void *userdata);
        void *userdata;
};

struct delivery_request {
        const struct alert_config *config;
        const char *from;
        const char *message;
        size_t len;
        long timeout_ms;                /* one transaction, cut there */
        unsigned max_attempts;          /* 0: without end (the daemon) */
};

enum delivery deliver(const struct delivery_request *dl, const struct delivery_hooks *hooks, struct smtp_result *res);
