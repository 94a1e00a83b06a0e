/* SPDX-License-Identifier: MIT */
#include "deliver.h"

enum delivery deliver(const struct delivery_request *dl, const struct delivery_hooks *hooks, struct smtp_result *res) {
        const struct smtp_options opt = {
                .timeout_ms = dl->timeout_ms,
                .connect_timeout_ms = dl->timeout_ms < 10000 ? dl->timeout_ms : 10000,
                .alive = hooks->alive,
                .userdata = hooks->userdata,
        };
        /* A stop request lets a transaction finish (bounded by the timeout):
         * aborting one the server may already have queued would only make a duplicate. */
        uint64_t backoff = BACKOFF_FIRST_USEC;
        for (unsigned attempt = 1;; attempt++) {
                if (hooks->alive)
                        hooks->alive(hooks->userdata);
                smtp_send(dl->config, dl->from, dl->message, dl->len, &opt, res);
                switch (res->outcome) {
                case SMTP_DELIVERED:
                        return DELIVERY_DONE;
                case SMTP_PERMANENT:
                case SMTP_CONFIG:
                        return DELIVERY_FAILED;
                case SMTP_TRANSIENT:
                        break;
                }
                if (dl->max_attempts && attempt >= dl->max_attempts)
                        return DELIVERY_GAVE_UP;
                /* Journal order is kept: nothing after this alert goes out before it. */
                if (hooks->retrying)
                        hooks->retrying(hooks->userdata, attempt, backoff, res);
                if (!hooks->wait(hooks->userdata, backoff))
                        return DELIVERY_INTERRUPTED;
                backoff = backoff * 2 > BACKOFF_MAX_USEC ? BACKOFF_MAX_USEC : backoff * 2;
        }
}
