package io.jobfleet.common.error;

/** Backpressure: the queue's pending depth is at its configured maximum. */
public class QueueFullException extends JobfleetException {
    public QueueFullException(String queue, long maxDepth) {
        super(
                "queue_full",
                "queue '" + queue + "' has reached its maximum pending depth of " + maxDepth + ": retry later");
    }
}
