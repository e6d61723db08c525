package io.jobfleet.common.internal.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** The Lua scripts, one per operation, read from {@code /jobfleet/lua/<name>.lua}. Each file's header is its contract. */
enum Script {
    ENQUEUE,
    CLAIM,
    RENEW,
    ACK,
    FAIL,
    RELEASE,
    REAP,
    PROMOTE,
    CANCEL,
    REQUEUE,
    PURGE,
    PROGRESS,
    STEP,
    SUSPECT,
    WATCH,
    HEARTBEAT;

    final String body;
    final String sha;

    Script() {
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
}
