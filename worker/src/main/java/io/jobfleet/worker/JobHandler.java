package io.jobfleet.worker;

/**
 * What users implement: the code that runs one type of job. Register handlers with
 * {@link Worker.Builder#handler}, or list them in
 * {@code META-INF/services/io.jobfleet.worker.JobHandler} for {@code jobfleet worker} to find.
 *
 * <p>Delivery is at least once: after a crash or a lost lease a job runs again, so make
 * {@link #handle} idempotent, or use {@link JobContext#step} for the parts that must not repeat.
 * Return a JSON-serialisable result (or null); throw to fail the attempt (retried with
 * backoff), or throw {@link NonRetryableException} to send the job straight to the dead-letter
 * queue. Check {@link JobContext#isCancelled()} in long loops and respond to interrupts.
 */
public interface JobHandler {
    /** The job type this handler runs, e.g. {@code "ingest.fetch"}. */
    String type();

    Object handle(JobContext ctx) throws Exception;
}
