/**
 * The public front door of jobfleet for applications.
 *
 * <p>{@link io.jobfleet.client.JobfleetClient} talks to Redis directly: enqueue, read, cancel and
 * wait for jobs, pause and resume queues, read depths, and work the dead-letter queue. {@link
 * io.jobfleet.client.JobfleetHttpClient} does the producer part over the HTTP API, for
 * applications that cannot reach Redis. Both speak the vocabulary of {@code io.jobfleet.common.job}
 * ({@code NewJob}, {@code JobRecord}, {@code JobState}) and throw the exceptions of {@code
 * io.jobfleet.common.error}.
 *
 * <p>This is a package of the common jar, not a module of its own: the client is a facade over
 * common's internals (the stores in {@code io.jobfleet.common.internal.redis}), so one jar keeps the
 * dependency story simple: depend on {@code jobfleet-common} and nothing else.
 */
package io.jobfleet.client;
