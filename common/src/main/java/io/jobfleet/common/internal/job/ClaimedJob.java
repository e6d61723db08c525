package io.jobfleet.common.internal.job;

import io.jobfleet.common.job.JobRecord;

/** A job a worker holds: its record as claimed and the fencing token every later report must carry. */
public record ClaimedJob(JobRecord record, long token) {
    public String id() {
        return record.id();
    }

    /** Where the job lives: its queue, or for a partitioned queue the partition ({@code q~k}). Reports go there. */
    public String queue() {
        return record.queue();
    }

    /** The queue the job was enqueued to, whatever its partition: what policies, metrics and logs name. */
    public String logicalQueue() {
        return Names.logical(record.queue());
    }

    public int attempt() {
        return record.attempts();
    }
}
