package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Unique;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The claim path's flow control, one script call at a time (docs/flow-control.md). */
class FlowControlTest extends RealRedisTest {
    private final Keys keys = Keys.of(Q);

    private void limit(String field, String value) {
        redis.call(j -> j.hset(keys.limits(), field, value));
    }

    private long count(java.util.function.Function<redis.clients.jedis.UnifiedJedis, Long> read) {
        return redis.call(read);
    }

    private NewJob typed(String type, int n) {
        return NewJob.of(Q, type, payload(n));
    }

    private List<String> ids(List<ClaimedJob> jobs) {
        return jobs.stream().map(ClaimedJob::id).toList();
    }

    private List<ClaimedJob> claim(int max) {
        return leases.claim(P, max, LONG_LEASE, "w1").jobs();
    }

    @Test
    void aConcurrencyLimitParksTheRestAndAnAckHandsItsSlotOn() {
        limit("c:type:slow", "2");
        List<String> slow = new ArrayList<>();
        for (int i = 0; i < 5; i++) slow.add(store.enqueue(typed("slow", i)).id());
        String fast = store.enqueue(typed("fast", 9)).id();

        List<ClaimedJob> first = claim(10);
        assertThat(ids(first)).containsExactly(slow.get(0), slow.get(1), fast); // no head-of-line blocking
        assertThat(count(j -> j.scard(keys.running("type:slow")))).isEqualTo(2);
        assertThat(count(j -> j.llen(keys.parked("type:slow")))).isEqualTo(3);
        assertThat(raw.field(slow.get(2), "waitingFor")).isEqualTo("type:slow");
        assertThat(raw.state(slow.get(2))).isEqualTo(JobState.QUEUED);

        ClaimedJob done = first.get(0);
        leases.ack(P, List.of(new Leases.Ack(done.id(), done.token(), null)));
        assertThat(count(j -> j.scard(keys.running("type:slow")))).isEqualTo(1);
        List<ClaimedJob> next = claim(10);
        assertThat(ids(next)).containsExactly(slow.get(2)); // the oldest parked job, and only one
        assertThat(raw.field(slow.get(2), "waitingFor")).isNull();
        assertThat(next.get(0).attempt()).isEqualTo(1);
    }

    @Test
    void failReleaseReapAndCancelGiveSlotsBack() {
        limit("c:key:*", "1");
        for (int i = 0; i < 4; i++) store.enqueue(job(i).withLimitKey("tenant-a"));
        ClaimedJob one = claim(10).get(0);
        leases.fail(one, error(1, "boom"), 60_000, 5, "unused");
        ClaimedJob two = claim(10).get(0);
        leases.release(two, Duration.ofHours(1));
        ClaimedJob three =
                leases.claim(P, 10, Duration.ofMillis(30), "w1").jobs().get(0);
        awaitServerTimePast(redis.serverTimeMs() + 40);
        assertThat(leases.reap(P, 10, 100).ids()).containsExactly(three.id());
        List<ClaimedJob> four = claim(10);
        assertThat(four).hasSize(1);
        store.cancel(Q, four.get(0).id());
        assertThat(count(j -> j.scard(keys.running("key:tenant-a")))).isZero();
        assertThat(ids(List.of(one, two, three))).doesNotHaveDuplicates();
    }

    @Test
    void aRateLimitAdmitsNPerWindowAndSaysWhenToLookAgain() {
        limit("r:type:api", "3 1000");
        for (int i = 0; i < 5; i++) store.enqueue(typed("api", i));
        Leases.Claim first = leases.claim(P, 10, LONG_LEASE, "w1");
        assertThat(first.jobs()).hasSize(3);
        assertThat(first.lookAgainInMs()).isBetween(1L, 1000L);
        assertThat(claim(10)).isEmpty();
        sleep(first.lookAgainInMs() + 20);
        assertThat(claim(10)).hasSize(2);
    }

    @Test
    void aQueueLimitBlocksTheClaimWithoutTakingJobs() {
        limit("c:queue", "1");
        enqueue(1);
        enqueue(2);
        assertThat(claim(10)).hasSize(1);
        Leases.Claim blocked = leases.claim(P, 10, LONG_LEASE, "w1");
        assertThat(blocked.jobs()).isEmpty();
        assertThat(blocked.blockedForMs()).isPositive();
        assertThat(raw.pending()).hasSize(1);
    }

    @Test
    void groupsAreServedRoundRobin() {
        List<NewJob> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) batch.add(job(i).withGroup("x"));
        store.enqueue(batch, 0);
        String y = store.enqueue(job(100).withGroup("y")).id();
        List<ClaimedJob> two = claim(2);
        assertThat(ids(two)).contains(y);
        assertThat(redis.<String>call(j -> j.hget(keys.groups(), "x"))).isEqualTo("49");
    }

    @Test
    void prioritiesClaimInOrderAndAgedJobsGoFirst() {
        String low = store.enqueue(job(1).withPriority(9)).id();
        String mid = store.enqueue(job(2).withPriority(3)).id();
        String normal = enqueue(3);
        assertThat(ids(claim(1))).containsExactly(normal);
        assertThat(ids(claim(1))).containsExactly(mid);
        String later = enqueue(4);
        redis.call(j -> j.zadd(keys.prioritized(), 1, low)); // as if it had waited its aging out
        assertThat(ids(claim(1))).containsExactly(low);
        assertThat(ids(claim(1))).containsExactly(later);
    }

    @Test
    void aWaitingJobsPriorityCanChange() {
        String a = enqueue(1);
        String b = enqueue(2);
        assertThat(store.prioritize(Q, a, 5)).isEqualTo(JobState.QUEUED);
        assertThat(ids(claim(1))).containsExactly(b);
        assertThat(store.prioritize(Q, a, 0)).isEqualTo(JobState.QUEUED);
        assertThat(raw.field(a, "priority")).isNull();
        assertThat(ids(claim(1))).containsExactly(a);
    }

    @Test
    void uniqueJobsAnswerTheHolderReplaceOrRefuse() {
        Unique rule = Unique.byKey("user-42", Unique.Mode.ACTIVE);
        EnqueueResult first = store.enqueue(List.of(job(1).withUnique(rule)), 0).get(0);
        EnqueueResult again = store.enqueue(List.of(job(2).withUnique(rule)), 0).get(0);
        assertThat(again.status()).isEqualTo(EnqueueResult.Status.DUPLICATE);
        assertThat(again.id()).isEqualTo(first.id());
        EnqueueResult replaced = store.enqueue(
                        List.of(job(3).withUnique(rule.withOnConflict(Unique.OnConflict.REPLACE))), 0)
                .get(0);
        assertThat(replaced.status()).isEqualTo(EnqueueResult.Status.REPLACED);
        assertThat(raw.field(first.id(), "payload")).contains("3");
        EnqueueResult refused = store.enqueue(
                        List.of(job(4).withUnique(rule.withOnConflict(Unique.OnConflict.REFUSE))), 0)
                .get(0);
        assertThat(refused.status()).isEqualTo(EnqueueResult.Status.REFUSED);
        ClaimedJob running = claimOne();
        assertThat(store.enqueue(List.of(job(5).withUnique(rule)), 0).get(0).status())
                .isEqualTo(EnqueueResult.Status.DUPLICATE);
        leases.ack(P, List.of(new Leases.Ack(running.id(), running.token(), null)));
        assertThat(store.enqueue(List.of(job(6).withUnique(rule)), 0).get(0).status())
                .isEqualTo(EnqueueResult.Status.CREATED);
    }

    @Test
    void aQueuedModeKeyIsFreeOnceTheJobStartsAndDebounceMovesTheStart() {
        Unique queued = Unique.byKey("k", Unique.Mode.QUEUED);
        store.enqueue(List.of(job(1).withUnique(queued)), 0);
        claimOne();
        assertThat(store.enqueue(List.of(job(2).withUnique(queued)), 0).get(0).status())
                .isEqualTo(EnqueueResult.Status.CREATED);

        Unique debounce = Unique.debounce("d", Duration.ofSeconds(30));
        EnqueueResult d1 =
                store.enqueue(List.of(job(3).withUnique(debounce)), 0).get(0);
        long due1 = Long.parseLong(raw.field(d1.id(), "runAt"));
        sleep(5);
        EnqueueResult d2 =
                store.enqueue(List.of(job(4).withUnique(debounce)), 0).get(0);
        assertThat(d2.status()).isEqualTo(EnqueueResult.Status.REPLACED);
        assertThat(d2.id()).isEqualTo(d1.id());
        assertThat(Long.parseLong(raw.field(d1.id(), "runAt"))).isGreaterThan(due1);
        assertThat(raw.field(d1.id(), "payload")).contains("4");
    }

    @Test
    void anExpiredJobIsNeverClaimedAndKeepsItsReason() {
        String id = store.enqueue(job(1).withExpiresAt(Instant.now().minusSeconds(1)))
                .id();
        String fresh = store.enqueue(job(2).withExpiresAt(Instant.now().plusSeconds(60)))
                .id();
        assertThat(ids(claim(10))).containsExactly(fresh);
        assertThat(raw.state(id)).isEqualTo(JobState.EXPIRED);
        assertThat(raw.field(id, "deadReason")).startsWith("expired");
        assertThat(raw.stat("expired")).isEqualTo(1);
    }

    @Test
    void aSnoozeSpendsNoAttemptUntilTheCap() {
        enqueue(1);
        ClaimedJob job = claimOne();
        assertThat(leases.snooze(job, Duration.ZERO, 2)).isTrue();
        job = claimOne();
        assertThat(job.attempt()).isEqualTo(1);
        assertThat(leases.snooze(job, Duration.ZERO, 2)).isTrue();
        job = claimOne();
        assertThat(leases.snooze(job, Duration.ZERO, 2)).isFalse();
        assertThat(raw.state(job.id())).isEqualTo(JobState.ACTIVE);
    }
}
