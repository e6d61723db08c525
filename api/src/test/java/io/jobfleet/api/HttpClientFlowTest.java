package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.client.JobfleetHttpClient;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Unique;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link JobfleetHttpClient} sends a job's flow-control fields and reads the unique answers as JobfleetClient does. */
class HttpClientFlowTest extends ApiTestBase {
    private static final String Q = "http-flow";

    private JobfleetHttpClient client;

    @BeforeEach
    void connect() {
        client = new JobfleetHttpClient("http://127.0.0.1:" + api.port(), SUBMIT);
    }

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void sendsPriorityGroupLimitKeyAndExpiry() {
        Instant expires = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
        NewJob job = job(1).withPriority(4).withLimitKey("acct-3").withExpiresAt(expires);

        JobRecord record = client.get(Q, client.enqueue(job).id());
        JobRecord grouped =
                client.get(Q, client.enqueue(job(2).withGroup("tenant-2")).id());

        assertThat(record.priority()).isEqualTo(4);
        assertThat(record.limitKey()).isEqualTo("acct-3");
        assertThat(record.expiresAt()).isCloseTo(expires.toEpochMilli(), within(1L));
        assertThat(grouped.group()).isEqualTo("tenant-2");
    }

    @Test
    void aUniqueConflictIsAStatusNamingTheHolder() {
        Unique queued = Unique.byKey("hc-1", Unique.Mode.QUEUED);
        EnqueueResult first = client.enqueue(job(1).withUnique(queued));

        EnqueueResult duplicate = client.enqueue(job(2).withUnique(queued));
        EnqueueResult replaced = client.enqueue(job(3).withUnique(queued.withOnConflict(Unique.OnConflict.REPLACE)));
        EnqueueResult refused = client.enqueue(job(4).withUnique(queued.withOnConflict(Unique.OnConflict.REFUSE)));

        assertThat(first.status()).isEqualTo(EnqueueResult.Status.CREATED);
        assertThat(List.of(duplicate, replaced, refused))
                .extracting(EnqueueResult::status)
                .containsExactly(
                        EnqueueResult.Status.DUPLICATE, EnqueueResult.Status.REPLACED, EnqueueResult.Status.REFUSED);
        assertThat(List.of(duplicate, replaced, refused))
                .extracting(EnqueueResult::id)
                .containsOnly(first.id());
        assertThat(client.get(Q, first.id()).payload().path("n").asInt())
                .as("the replacement's payload")
                .isEqualTo(3);
    }

    @Test
    void aThrottleWindowIsSentInWholeSeconds() {
        EnqueueResult first = client.enqueue(job(1).withUnique(Unique.throttle("hc-t", Duration.ofMillis(1500))));

        EnqueueResult again = client.enqueue(job(2).withUnique(Unique.throttle("hc-t", Duration.ofMillis(1500))));

        assertThat(again.status()).isEqualTo(EnqueueResult.Status.DUPLICATE);
        assertThat(again.id()).isEqualTo(first.id());
    }

    private static NewJob job(int n) {
        return NewJob.of(Q, "t", JsonNodeFactory.instance.objectNode().put("n", n));
    }
}
