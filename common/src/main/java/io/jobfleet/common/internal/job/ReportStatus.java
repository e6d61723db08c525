package io.jobfleet.common.internal.job;

/** What Redis said to a worker's report (ack, fail, release) about a job it ran. */
public enum ReportStatus {
    /** Recorded. */
    RECORDED,
    /** Already recorded by the same lease: a repeated call after a lost reply. */
    REPEATED,
    NOT_FOUND,
    /** Fenced: the lease ran out and the job was taken back; nothing recorded. */
    STALE,
    /** The job was cancelled while it ran; nothing recorded, and it is never retried. */
    CANCELLED,
    ILLEGAL_STATE
}
