package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.ReportStatus;
import io.jobfleet.common.job.EnqueueResult.Status;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Finished jobs not kept ({@code --keep-finished 0s}): the ack deletes the job instead of marking
 * it SUCCEEDED; the stats still count it, a repeated ack (a lost reply retried) is not an error,
 * and the idempotency key still answers the job's id.
 */
class KeepNoneTest extends RealRedisTest {
    @Override
    protected Retention retention() {
        return Retention.DEFAULT.withFinished(Duration.ZERO);
    }

    @Test
    void anAckedJobIsDeletedAndCounted() {
        String id = store.enqueue(job(1).withIdempotencyKey("k1")).id();
        ClaimedJob claimed = claimOne();
        List<Leases.Ack> ack = List.of(new Leases.Ack(id, claimed.token(), "{\"ok\":true}"));

        assertThat(leases.ack(P, ack)).containsExactly(ReportStatus.RECORDED);

        assertThat(raw.job(id)).isEmpty();
        assertThat(raw.exists(raw.keys().prefix() + "steps:" + id)).isFalse();
        assertThat(raw.active()).isEmpty();
        assertThat(raw.stat("succeeded")).isEqualTo(1);
        assertThat(leases.ack(P, ack)).as("the same ack again").containsExactly(ReportStatus.REPEATED);
        assertThat(raw.stat("succeeded")).isEqualTo(1);
        var again = store.enqueue(job(1).withIdempotencyKey("k1"));
        assertThat(again.status()).isEqualTo(Status.REPLAYED);
        assertThat(again.id()).isEqualTo(id);
    }

    @Test
    void aRetentionBelowZeroIsRefused() {
        assertThatThrownBy(() -> Retention.DEFAULT.withFinished(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("finished-job retention");
    }
}
