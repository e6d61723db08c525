package io.jobfleet.common.internal.redis;

import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * claim.lua's reply, read job by job. By then every job in it is ACTIVE under this claim, so one
 * that cannot be read is set aside with its problem (for {@link JobStore} to make dead alone)
 * instead of throwing away the claim of the jobs beside it.
 */
record ClaimReply(List<ClaimedJob> jobs, List<Unreadable> unreadable) {

    /** A claimed job whose record cannot be read: its lease (token, attempt) and what is wrong. */
    record Unreadable(ClaimedJob lease, String problem) {}

    /**
     * Reads {@code {1, blocked until, look again by, id1, {token, attempts, fields...}, ...}};
     * {@code fields} are the names claim.lua was asked for.
     */
    static ClaimReply read(String queue, String worker, List<String> fields, List<?> out) {
        List<ClaimedJob> jobs = new ArrayList<>((out.size() - 3) / 2);
        List<Unreadable> unreadable = new ArrayList<>(0);
        for (int i = 3; i < out.size(); i += 2) {
            String id = (String) out.get(i);
            List<?> values = (List<?>) out.get(i + 1);
            Map<String, String> lease = lease(worker, values);
            Map<String, String> hash = new HashMap<>(lease);
            for (int f = 0; f < fields.size(); f++) {
                Object value = values.size() > f + 2 ? values.get(f + 2) : null;
                if (value != null) hash.put(fields.get(f), value.toString());
            }
            try {
                JobRecord record = JobRecord.fromHash(queue, id, hash);
                if (record.type() == null || record.type().isEmpty()) {
                    unreadable.add(new Unreadable(claimed(queue, id, lease), "no type field"));
                } else {
                    jobs.add(new ClaimedJob(record, record.token()));
                }
            } catch (IllegalArgumentException e) { // the cause names the field and what is wrong with it
                String problem = (e.getCause() != null ? e.getCause() : e).getMessage();
                unreadable.add(new Unreadable(claimed(queue, id, lease), problem));
            }
        }
        return new ClaimReply(jobs, unreadable);
    }

    /** The fields claim.lua has just written, token and attempts first in its reply: always readable. */
    private static Map<String, String> lease(String worker, List<?> values) {
        return Map.of(
                "state", JobState.ACTIVE.name(),
                "worker", worker,
                "token", values.get(0).toString(),
                "attempts", values.get(1).toString());
    }

    /** A job known by its lease alone, enough to record its failure. */
    private static ClaimedJob claimed(String queue, String id, Map<String, String> lease) {
        JobRecord record = JobRecord.fromHash(queue, id, lease);
        return new ClaimedJob(record, record.token());
    }
}
