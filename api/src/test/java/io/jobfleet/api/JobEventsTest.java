package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Server-Sent Events of one job, read by a real HTTP client line by line while a real worker
 * (SleepHandler, which reports progress) runs the job. The job is enqueued before the client
 * connects (so the snapshot is QUEUED) and the worker starts after (so ACTIVE is streamed).
 */
class JobEventsTest extends ApiTestBase {
    private static final String Q = "events";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private SleepWorker worker;

    /** One SSE event; {@code id} is null for events without one (position). */
    record Event(String id, String type, String data) {
        JsonNode json() {
            return Json.read(data);
        }

        String state() {
            return "state".equals(type) ? json().path("state").asText() : null;
        }
    }

    @AfterEach
    void stopWorker() {
        if (worker != null) worker.close();
        worker = null;
    }

    @Test
    void streamsQueuedActiveProgressSucceededAndEnds() {
        String id = enqueueId(Q, sleepJob(600));
        try (Events events = open(id, null)) {
            Event snapshot = events.next();
            assertThat(snapshot.state()).isEqualTo("QUEUED");

            startWorker();
            List<Event> rest = events.untilEnd();

            assertThat(rest).extracting(Event::type).containsOnly("state", "progress");
            assertThat(rest.get(0).state()).isEqualTo("ACTIVE");
            assertThat(rest.get(0).json().path("attempt").asInt()).isEqualTo(1);
            assertThat(rest.get(rest.size() - 1).state()).isEqualTo("SUCCEEDED");
            List<Event> progress = rest.subList(1, rest.size() - 1);
            assertThat(progress).isNotEmpty().allSatisfy(e -> assertThat(e.type())
                    .isEqualTo("progress"));
            assertThat(progress)
                    .extracting(e -> e.json().path("percent").asInt())
                    .isSorted()
                    .endsWith(100);
            assertThat(rest).extracting(Event::id).doesNotContainNull().isEqualTo(redisEventIds(id));
        }
        assertThat(job(Q, id).path("state").asText()).isEqualTo("SUCCEEDED");
    }

    @Test
    void aRunningJobThatIsCancelledStreamsCancelledAndEnds() {
        String id = enqueueId(Q, sleepJob(30_000));
        try (Events events = open(id, null)) {
            assertThat(events.next().state()).isEqualTo("QUEUED");
            startWorker();
            Event active = events.until(e -> "ACTIVE".equals(e.state()));
            assertThat(active.json().path("attempt").asInt()).isEqualTo(1);

            Http.Response cancel = http.post(jobPath(Q, id) + "/cancel", SUBMIT, null);
            assertThat(cancel.status()).as("cancel %s", cancel).isEqualTo(200);
            assertThat(cancel.json().path("previousState").asText()).isEqualTo("ACTIVE");

            List<Event> rest = events.untilEnd();
            assertThat(rest).isNotEmpty();
            assertThat(rest.get(rest.size() - 1).state()).isEqualTo("CANCELLED");
            assertThat(rest).filteredOn(e -> "state".equals(e.type())).hasSize(1);
        }
        assertThat(job(Q, id).path("state").asText()).isEqualTo("CANCELLED");
    }

    @Test
    void aQueuedJobShowsItsPositionAndThenCancelled() {
        enqueueId(Q, sleepJob(10));
        String id = enqueueId(Q, sleepJob(10));
        try (Events events = open(id, null)) {
            assertThat(events.next().state()).isEqualTo("QUEUED");
            Event position = events.until(e -> "position".equals(e.type()));
            assertThat(position.json().path("position").asLong())
                    .as("one job ahead of it")
                    .isEqualTo(1);
            assertThat(http.post(jobPath(Q, id) + "/cancel", SUBMIT, null).status())
                    .isEqualTo(200);
            List<Event> rest = events.untilEnd();
            assertThat(rest.get(rest.size() - 1).state()).isEqualTo("CANCELLED");
        }
    }

    @Test
    void aClientThatReconnectsWithLastEventIdMissesNothingAndGetsNothingTwice() {
        String id = enqueueId(Q, sleepJob(1_500));
        List<Event> seen = new ArrayList<>();
        try (Events first = open(id, null)) {
            assertThat(first.next().state()).isEqualTo("QUEUED");
            startWorker();
            seen.add(first.until(e -> "ACTIVE".equals(e.state())));
            seen.add(first.until(e -> "progress".equals(e.type())));
        } // hang up while the job runs; its events go on being recorded
        sleep(400);

        try (Events second = open(id, seen.get(seen.size() - 1).id())) {
            List<Event> rest = second.untilEnd();
            assertThat(rest).noneMatch(e -> "QUEUED".equals(e.state())); // no snapshot on a resume
            rest.stream().filter(e -> !"position".equals(e.type())).forEach(seen::add);
        }
        assertThat(seen.get(seen.size() - 1).state()).isEqualTo("SUCCEEDED");
        List<String> all = redisEventIds(id);
        assertThat(seen).extracting(Event::id).isEqualTo(all);

        // a late client that resumes after the ACTIVE event gets exactly what came after it
        try (Events late = open(id, all.get(0))) {
            assertThat(late.untilEnd()).extracting(Event::id).isEqualTo(all.subList(1, all.size()));
        }
    }

    @Test
    void aFinishedJobStreamsItsFinalStateAndEnds() {
        String id = enqueueId(Q, sleepJob(10));
        assertThat(http.post(jobPath(Q, id) + "/cancel", SUBMIT, null).status()).isEqualTo(200);
        try (Events events = open(id, null)) {
            assertThat(events.next().state()).isEqualTo("CANCELLED");
            assertThat(events.untilEnd()).isEmpty();
        }
        // nothing will ever remove a finished job from the watched set, so it was never added (L2)
        boolean watched = TestRedis.raw(redis, j -> j.sismember(Keys.of(Q).watched(), id));
        assertThat(watched).isFalse();
    }

    @Test
    void aJobOfAPartitionStreamsItsEventsUnderTheQueueName() {
        String q = "events-parted";
        declarePartitions(q, 2);
        String first = enqueueId(q, sleepJob(10));
        String second = enqueueId(q, sleepJob(10));
        String inPartition1 = job(q, first).path("partition").asInt(0) == 1 ? first : second; // round robin
        assertThat(job(q, inPartition1).path("partition").asInt()).isEqualTo(1);
        try (Events events = open(q, inPartition1, null)) {
            assertThat(events.next().state()).isEqualTo("QUEUED");
            Event position = events.until(e -> "position".equals(e.type()));
            assertThat(position.json().path("position").asLong())
                    .as("first in its own partition")
                    .isZero();
            assertThat(http.post(jobPath(q, inPartition1) + "/cancel", SUBMIT, null)
                            .status())
                    .isEqualTo(200);
            List<Event> rest = events.untilEnd();
            assertThat(rest.get(rest.size() - 1).state()).isEqualTo("CANCELLED");
        }
    }

    private Events open(String id, String lastEventId) {
        return open(Q, id, lastEventId);
    }

    private Events open(String queue, String id, String lastEventId) {
        List<String> headers = new ArrayList<>(List.of("Accept", "text/event-stream"));
        if (lastEventId != null) headers.addAll(List.of("Last-Event-ID", lastEventId));
        HttpResponse<Stream<String>> response =
                http.stream(jobPath(queue, id) + "/events", SUBMIT, headers.toArray(String[]::new));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        return new Events(response.body());
    }

    private void startWorker() {
        worker = new SleepWorker(TestRedis.url(server), "events-worker", Q);
    }

    /** The ids of the job's event stream as Redis holds it. */
    private List<String> redisEventIds(String id) {
        List<StreamEntry> entries =
                TestRedis.raw(redis, j -> j.xrange(Keys.of(Q).events(id), "-", "+"));
        return entries.stream().map(e -> e.getID().toString()).toList();
    }

    private static String sleepJob(long ms) {
        return "{\"type\":\"sleep\",\"payload\":{\"ms\":" + ms + "}}";
    }

    /**
     * The events of one open stream, parsed on a virtual thread as lines arrive. Ends with
     * {@link #END} when the server closes the stream; {@link #close} hangs up.
     */
    private static final class Events implements AutoCloseable {
        private static final Event END = new Event(null, "<end of stream>", null);
        private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>();
        private final Stream<String> lines;
        private boolean ended;

        Events(Stream<String> lines) {
            this.lines = lines;
            Thread.ofVirtual().name("sse-reader").start(this::read);
        }

        private void read() {
            String id = null;
            String type = null;
            StringBuilder data = new StringBuilder();
            try {
                for (String line : (Iterable<String>) lines::iterator) {
                    if (line.isEmpty()) {
                        if (type != null || !data.isEmpty())
                            queue.add(new Event(id, type == null ? "message" : type, data.toString()));
                        id = null;
                        type = null;
                        data.setLength(0);
                    } else if (line.startsWith("id:")) id = line.substring(3).strip();
                    else if (line.startsWith("event:")) type = line.substring(6).strip();
                    else if (line.startsWith("data:")) {
                        if (!data.isEmpty()) data.append('\n');
                        data.append(line.substring(5).strip());
                    }
                    // ':' lines are comments (keep-alives)
                }
            } catch (RuntimeException e) {
                // hung up by close(): the stream is over either way
            } finally {
                queue.add(END);
            }
        }

        /** The next event; fails if none comes within the wait or the stream ends. */
        Event next() {
            Event e = poll();
            assertThat(e).as("the stream ended early").isNotSameAs(END);
            return e;
        }

        /** Skips events up to and including the first that matches. */
        Event until(Predicate<Event> wanted) {
            while (true) {
                Event e = next();
                if (wanted.test(e)) return e;
            }
        }

        /** Every event (but position reports) until the server ends the stream. */
        List<Event> untilEnd() {
            List<Event> events = new ArrayList<>();
            for (Event e = poll(); !e.equals(END); e = poll()) if (!"position".equals(e.type())) events.add(e);
            ended = true;
            return events;
        }

        private Event poll() {
            try {
                Event e = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (e == null) throw new AssertionError("no event within " + WAIT + (ended ? " (ended)" : ""));
                return e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        @Override
        public void close() {
            lines.close();
        }
    }
}
