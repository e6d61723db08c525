package io.jobfleet.api;

import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Who an audited action is recorded under, and writing its entry once the action took effect. */
final class Audit {
    private static final Logger log = LoggerFactory.getLogger(Audit.class);

    private Audit() {}

    /** The token's name, or "api (dev, no auth)". */
    static String actor(Context ctx) {
        Tokens.Principal principal = RequestFilters.principal(ctx);
        return principal == null ? "api (dev, no auth)" : principal.name() + " (api)";
    }

    /**
     * Writes the audit entry of an action that has already taken effect. If that write fails
     * (Redis full or gone) the action still happened, so it is logged, not answered as an error:
     * a 503 would tell the client its cancel or resume failed when it did not.
     */
    static void audited(String action, Runnable record) {
        try {
            record.run();
        } catch (RuntimeException e) {
            log.warn("{} took effect but its audit entry was not written: {}", action, e.getMessage());
        }
    }
}
