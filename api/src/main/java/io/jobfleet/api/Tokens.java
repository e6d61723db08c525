package io.jobfleet.api;

import io.jobfleet.common.error.ConfigException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * API bearer tokens, kept only as SHA-256 hashes. One entry a line (file) or separated by
 * {@code ;} (environment): {@code NAME ROLE[,ROLE] sha256:HEX}. Make the hash of a new token with
 * {@code printf %s "$TOKEN" | sha256sum}. A presented token is hashed and compared with every
 * entry in constant time, so neither timing nor an early exit tells how close a guess was.
 */
public final class Tokens {
    /** Who a token belongs to and what it may do. */
    public record Principal(String name, Set<Role> roles) {
        public boolean has(Role role) {
            return roles.contains(Role.ADMIN) || roles.contains(role);
        }
    }

    @SuppressWarnings("ArrayRecordComponent") // compared with MessageDigest.isEqual, never equals()
    private record Entry(byte[] hash, Principal principal) {}

    private final List<Entry> entries;

    private Tokens(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static Tokens none() {
        return new Tokens(List.of());
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public int size() {
        return entries.size();
    }

    /** Parses entries from a file's text or an environment variable (lines or ';'). Blank lines and '#' comments are skipped. */
    public static Tokens parse(String text, String source) {
        List<Entry> entries = new ArrayList<>();
        int n = 0;
        for (String raw : text.split("[;\n]")) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] parts = line.split("\\s+");
            if (parts.length != 3 || !parts[2].startsWith("sha256:") || parts[2].length() != 7 + 64) {
                throw new ConfigException(
                        source + " entry " + n + " must be 'NAME ROLE[,ROLE] sha256:<64 hex digits>', got '"
                                + line.replaceAll("sha256:\\S+", "sha256:...") + "'");
            }
            Set<Role> roles = EnumSet.noneOf(Role.class);
            for (String role : parts[1].split(",")) {
                try {
                    roles.add(Role.valueOf(role.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(
                            source + " entry " + n + " has role '" + role + "': use submit, read or admin");
                }
            }
            byte[] hash;
            try {
                hash = HexFormat.of().parseHex(parts[2].substring(7));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + " entry " + n + " has a hash that is not hex");
            }
            entries.add(new Entry(hash, new Principal(parts[0], Set.copyOf(roles))));
        }
        return new Tokens(entries);
    }

    public Optional<Principal> authenticate(String token) {
        if (token == null || token.isEmpty()) return Optional.empty();
        byte[] presented = sha256(token);
        Principal found = null;
        for (Entry entry : entries) { // no early exit: every entry is compared
            if (MessageDigest.isEqual(presented, entry.hash()) && found == null) found = entry.principal();
        }
        return Optional.ofNullable(found);
    }

    public static String hash(String token) {
        return "sha256:" + HexFormat.of().formatHex(sha256(token));
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
