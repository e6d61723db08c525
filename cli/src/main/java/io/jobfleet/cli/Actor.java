package io.jobfleet.cli;

import java.net.InetAddress;

/** Who an operator action is recorded under in the audit log: JOBFLEET_ACTOR, else user@host. */
final class Actor {
    private Actor() {}

    static String current() {
        String actor = System.getenv("JOBFLEET_ACTOR");
        if (actor != null && !actor.isBlank()) return actor;
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown";
        }
        return System.getProperty("user.name", "unknown") + "@" + host + " (cli)";
    }
}
