package io.jobfleet.common.job;

/** A job a worker holds: its record as claimed and the fencing token every later report must carry. */
public record ClaimedJob(JobRecord record, long token) {
    public String id() {
        return record.id();
    }

    public String queue() {
        return record.queue();
    }

    public int attempt() {
        return record.attempts();
    }
}
