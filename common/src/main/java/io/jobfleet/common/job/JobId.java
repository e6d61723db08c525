package io.jobfleet.common.job;

import java.security.SecureRandom;

/**
 * Job ids are made by the client, not by Redis, so that an enqueue script run twice (a retry
 * after a lost reply) finds its own job instead of creating a second one. 20 characters of
 * Crockford base32: 48 bits of milliseconds (ids sort by creation time) and 52 random bits.
 */
public final class JobId {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private JobId() {}

    public static String next() {
        char[] id = new char[20];
        long time = System.currentTimeMillis();
        for (int i = 9; i >= 0; i--) {
            id[i] = ALPHABET[(int) (time & 31)];
            time >>>= 5;
        }
        long random = RANDOM.nextLong();
        for (int i = 10; i < 20; i++) {
            id[i] = ALPHABET[(int) (random & 31)];
            random >>>= 5;
        }
        return new String(id);
    }

    /** Ids the API accepts in a path: what {@link #next} makes, or a caller's own up to 64 safe characters. */
    public static boolean isValid(String id) {
        return id != null && id.matches("[A-Za-z0-9_.-]{1,64}");
    }
}
