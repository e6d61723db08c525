package io.jobfleet.worker;

import java.util.Set;

/**
 * How an idle fetcher waits for work without polling: it arms the waiters of the queues it
 * found empty, and sleeps until one of them sees a job (or a timeout, to notice resumed queues).
 */
final class Wake {
    private Set<String> armed = Set.of();
    private boolean signalled;

    /** Arms the waiters of {@code queues} and waits up to {@code timeoutMs}; true if one saw a job. */
    synchronized boolean await(Set<String> queues, long timeoutMs) throws InterruptedException {
        armed = queues;
        signalled = false;
        notifyAll();
        long deadline = System.currentTimeMillis() + timeoutMs;
        try {
            while (!signalled) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) break;
                wait(left);
            }
            return signalled;
        } finally {
            armed = Set.of();
        }
    }

    /** Blocks a waiter until the fetcher arms its queue. */
    synchronized void awaitArmed(String queue) throws InterruptedException {
        while (!armed.contains(queue)) wait();
    }

    synchronized void signal() {
        signalled = true;
        notifyAll();
    }
}
