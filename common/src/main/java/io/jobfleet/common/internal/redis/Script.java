package io.jobfleet.common.internal.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The Lua scripts, one per operation, read from {@code /jobfleet/lua/<name>.lua}. Each file's
 * header is its contract; {@link #keys} is how many {@code KEYS} it takes, checked against the
 * file by ScriptFilesTest and against every call by {@link #check}.
 */
enum Script {
    ENQUEUE(4),
    CLAIM(5),
    RENEW(2),
    ACK(4),
    FAIL(7),
    RELEASE(5),
    REAP(5),
    PROMOTE(3),
    CANCEL(7),
    REQUEUE(3),
    PURGE(3),
    PROGRESS(2),
    STEP(2),
    SUSPECT(1),
    WATCH(2),
    HEARTBEAT(1),
    PRIORITIZE(3);

    final int keys;
    final String body;
    final String sha;

    Script(int keys) {
        this.keys = keys;
        String file = "/jobfleet/lua/" + name().toLowerCase(Locale.ROOT) + ".lua";
        try (InputStream in = Script.class.getResourceAsStream(file)) {
            if (in == null) throw new IllegalStateException("missing script " + file);
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            sha = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Refuses a call with another number of keys than the script reads: a caller out of step with its file. */
    void check(java.util.List<String> given) {
        if (given.size() != keys) {
            throw new IllegalArgumentException("script " + name().toLowerCase(Locale.ROOT) + " takes " + keys
                    + " keys, was given " + given.size());
        }
    }
}
