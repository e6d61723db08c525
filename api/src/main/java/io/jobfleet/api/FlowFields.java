package io.jobfleet.api;

import io.jobfleet.common.job.NewJob;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The flow-control fields of an enqueue (docs/flow-control.md): {@code group}, {@code limitKey},
 * {@code expiresAt} or {@code expiresInSeconds}, and {@code unique}. Each is checked here and a
 * 400 names the field; nothing reaches Redis until all of the request has passed.
 */
final class FlowFields {
    private FlowFields() {}

    static NewJob apply(EnqueueRequest r, NewJob job, ApiConfig config) {
        job = key("group", r.group(), job::withGroup);
        job = key("limitKey", r.limitKey(), job::withLimitKey);
        job = withExpiry(r, job, config);
        if (r.unique() != null) job = job.withUnique(r.unique().toUnique());
        return job;
    }

    private static NewJob key(String field, String value, java.util.function.Function<String, NewJob> with) {
        if (value == null) return with.apply(null);
        if (value.isEmpty()
                || value.length() > NewJob.MAX_KEY_CHARS
                || !value.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw ApiError.badRequest("field '" + field + "' must be 1-" + NewJob.MAX_KEY_CHARS
                    + " printable ASCII characters without spaces, got " + quote(value));
        }
        return with.apply(value);
    }

    /** "Discard if not started by": after the job may first run, and at most the run-ahead limit away. */
    private static NewJob withExpiry(EnqueueRequest r, NewJob job, ApiConfig config) {
        if (r.expiresAt() != null && r.expiresInSeconds() != null)
            throw ApiError.badRequest("give expiresAt or expiresInSeconds, not both");
        Instant now = Instant.now();
        Instant at;
        String field;
        if (r.expiresInSeconds() != null) {
            field = "expiresInSeconds";
            long s = r.expiresInSeconds();
            if (s < 1 || s > config.maxRunAhead().toSeconds()) {
                throw ApiError.badRequest("field 'expiresInSeconds' must be 1.."
                        + config.maxRunAhead().toSeconds() + ", got " + s);
            }
            at = now.plusSeconds(s);
        } else if (r.expiresAt() != null) {
            field = "expiresAt";
            try {
                at = Instant.parse(r.expiresAt());
            } catch (DateTimeParseException e) {
                throw ApiError.badRequest("field 'expiresAt' must be an ISO-8601 instant such as"
                        + " 2026-01-01T09:00:00Z, got " + quote(r.expiresAt()));
            }
            if (!at.isAfter(now)) throw ApiError.badRequest("field 'expiresAt' is in the past: " + at);
            if (at.isAfter(now.plus(config.maxRunAhead()))) {
                throw ApiError.badRequest(
                        "field 'expiresAt' is more than " + config.maxRunAhead().toDays() + " days ahead");
            }
        } else {
            return job;
        }
        Instant firstRun =
                job.runAt() != null ? job.runAt() : now.plus(job.delay() == null ? Duration.ZERO : job.delay());
        if (!at.isAfter(firstRun)) {
            throw ApiError.badRequest("field '" + field + "' (" + at + ") is not after the job may first run ("
                    + firstRun + "): it would expire unrun");
        }
        return job.withExpiresAt(at);
    }

    private static String quote(String value) {
        return "'" + (value.length() <= 40 ? value : value.substring(0, 40) + "...") + "'";
    }
}
