package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.LimitUsage;
import io.jobfleet.common.internal.metrics.QueueGauges;
import io.jobfleet.common.job.QueueCounts;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Depths, limits, throttle counts and a waiting job's reason as the views and the metrics read
 * them, on flow-control state written straight into Redis under the {@link Keys} names (as the
 * claim script leaves it): what an operator and Prometheus see matches what Redis holds.
 */
class FlowViewTest extends RealRedisTest {
    private Keys keys;
    private FlowView flow;

    @BeforeEach
    void view() {
        keys = Keys.of(Q);
        flow = new FlowView(redis);
    }

    @Test
    void pendingCountsEveryWaitingJobWhileTheListStaysTheKedaSignal() {
        for (int i = 0; i < 3; i++) enqueue(i); // three plain jobs in the pending list
        raw(j -> j.lpush(keys.pending(), "@g:a", "@g:b", "@")); // two group markers and a wake-up marker
        raw(j -> j.zadd(keys.prioritized(), Map.of("p1", 1.0, "p2", 2.0)));
        raw(j -> j.hset(keys.groups(), Map.of("a", "4", "b", "1")));
        raw(j -> j.rpush(keys.group("a"), "g1", "g2", "g3", "g4"));
        raw(j -> j.zadd(keys.throttled(), Map.of("type:embed", 1.0, "key:t1", 2.0)));
        raw(j -> j.rpush(keys.parked("type:embed"), "x1", "x2", "x3"));
        raw(j -> j.rpush(keys.parked("key:t1"), "@g:c"));
        raw(j -> j.rpush(keys.parked("key:never-throttled"), "y1")); // not in throttled: not counted

        QueueCounts c = queues.counts(Q);
        assertThat(c.prioritized()).isEqualTo(2);
        assertThat(c.grouped()).isEqualTo(5);
        assertThat(c.parked()).isEqualTo(4);
        assertThat(c.pending()).as("list (6) + prioritized + grouped + parked").isEqualTo(6 + 2 + 5 + 4);
        assertThat(queues.depth(Q)).as("the KEDA list: LLEN of pending").isEqualTo(6);

        Map<String, Double> metrics = scrape(List.of(Q));
        assertThat(metrics).containsEntry("jobfleet_queue_depth{queue=q1, state=pending}", 17.0);
    }

    @Test
    void whatTheClaimScriptLeavesIsWhatTheViewsAndMetricsShow() {
        raw(j -> j.hset(keys.limits(), Map.of("c:type:slow", "2", "c:key:*", "1")));
        List<String> slow = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++)
            slow.add(store.enqueue(io.jobfleet.common.job.NewJob.of(Q, "slow", payload(i)))
                    .id());
        for (int i = 0; i < 3; i++) store.enqueue(job(10 + i).withLimitKey("tenant-a"));
        assertThat(queues.counts(Q).pending())
                .as("every job waits before the claim")
                .isEqualTo(8);

        assertThat(leases.claim(P, 20, LONG_LEASE, "w1").jobs()).hasSize(2 + 1);
        for (int i = 0; i < 4; i++) store.enqueue(job(20 + i).withGroup("g1"));

        QueueCounts c = queues.counts(Q);
        assertThat(c.parked()).as("3 slow jobs and 2 of tenant-a").isEqualTo(5);
        assertThat(c.grouped()).isEqualTo(4);
        assertThat(c.active()).isEqualTo(3);
        assertThat(c.pending()).as("parked + grouped, and the list's markers").isBetween(9L, 11L);
        Map<String, String> shown = new TreeMap<>();
        for (LimitUsage l : flow.limits(Q)) shown.put(l.scope() + " " + l.kind().label(), l.describe());
        assertThat(shown)
                .containsEntry("type:slow concurrency", "concurrency 2/2")
                .containsEntry("key:tenant-a concurrency", "concurrency 1/1")
                .containsEntry("key:* concurrency", "concurrency 1 each");
        assertThat(flow.throttledBy(Q)).containsEntry("type:slow", 3L).containsEntry("key:tenant-a", 2L);
        assertThat(flow.waitingFor(Q, slow.get(4))).contains("waiting for limit type:slow (concurrency 2/2)");

        Map<String, Double> m = scrape(List.of(Q));
        assertThat(m)
                .containsEntry("jobfleet_limit_usage{kind=concurrency, queue=q1, scope=type:slow}", 1.0)
                .containsEntry("jobfleet_limit_usage{kind=concurrency, queue=q1, scope=key:tenant-a}", 1.0)
                .containsEntry("jobfleet_jobs_throttled{queue=q1, scope=type:slow}", 3.0)
                .containsEntry("jobfleet_queue_depth{queue=q1, state=pending}", (double) c.pending());
    }

    @Test
    void aGroupMarkerAtTheClaimEndDatesTheGroupsOldestJob() {
        String id = enqueue(1);
        raw(j -> j.rpush(keys.group("a"), id));
        raw(j -> j.lrem(keys.pending(), 0, id));
        raw(j -> j.rpush(keys.pending(), "@g:a"));
        raw(j -> j.hset(keys.job(id), "enqueuedAt", Long.toString(redis.serverTimeMs() - 60_000)));
        assertThat(queues.counts(Q).oldestPendingAgeMs()).isBetween(60_000L, 120_000L);
    }

    @Test
    void limitsShowTheirUsageAndTheMetricsExportThemWithTheThrottleCounts() {
        long now = redis.serverTimeMs();
        raw(j -> j.hset(
                keys.limits(),
                Map.of("c:type:embed", "5", "r:type:embed", "100 60000", "c:key:*", "2", "c:type:idle", "3")));
        for (int i = 0; i < 5; i++) {
            String member = "r" + i;
            raw(j -> j.sadd(keys.running("type:embed"), member));
        }
        for (int i = 0; i < 47; i++) {
            long at = i < 37 ? now - 1000 : now - 120_000; // 37 starts in the last minute, 10 before it
            String member = "s" + i + ":1";
            raw(j -> j.zadd(keys.starts("type:embed"), at, member));
        }
        raw(j -> j.sadd(keys.running("key:t1"), "k1", "k2"));
        raw(j -> j.zadd(keys.throttled(), now, "key:t1"));
        raw(j -> j.hset(keys.throttledBy(), Map.of("type:embed", "12", "key:t1", "3", "key:t2", "1")));
        raw(j -> j.hset(keys.stats(), "expired", "4"));

        Map<String, String> shown = new TreeMap<>();
        for (LimitUsage l : flow.limits(Q)) shown.put(l.scope() + " " + l.kind().label(), l.describe());
        assertThat(shown)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "key:* concurrency", "concurrency 2 each",
                        "type:embed concurrency", "concurrency 5/5",
                        "type:embed rate", "rate 37/100 per 1m",
                        "type:idle concurrency", "concurrency 0/3",
                        "key:t1 concurrency", "concurrency 2/2",
                        "key:t2 concurrency", "concurrency 0/2"));
        assertThat(flow.throttledBy(Q))
                .containsExactly(Map.entry("type:embed", 12L), Map.entry("key:t1", 3L), Map.entry("key:t2", 1L));

        Map<String, Double> m = scrape(List.of(Q));
        assertThat(m)
                .containsEntry("jobfleet_limit_usage{kind=concurrency, queue=q1, scope=type:embed}", 1.0)
                .containsEntry("jobfleet_limit_usage{kind=rate, queue=q1, scope=type:embed}", 0.37)
                .containsEntry("jobfleet_limit_usage{kind=concurrency, queue=q1, scope=key:t1}", 1.0)
                .containsEntry("jobfleet_limit_usage{kind=concurrency, queue=q1, scope=type:idle}", 0.0)
                .containsEntry("jobfleet_limit{kind=concurrency, queue=q1, scope=key:*}", 2.0)
                .containsEntry("jobfleet_limit{kind=rate, queue=q1, scope=type:embed}", 100.0)
                .containsEntry("jobfleet_jobs_throttled{queue=q1, scope=type:embed}", 12.0)
                .containsEntry("jobfleet_jobs_throttled{queue=q1, scope=key:t1}", 3.0)
                .containsEntry("jobfleet_jobs_expired{queue=q1}", 4.0)
                .doesNotContainKey("jobfleet_limit_usage{kind=concurrency, queue=q1, scope=key:*}");
    }

    @Test
    void aQueueWithoutLimitsExportsItsExpiredCounterAtZeroAndNoLimitSeries() {
        enqueue(1);
        Map<String, Double> m = scrape(List.of(Q));
        assertThat(m).containsEntry("jobfleet_jobs_expired{queue=q1}", 0.0);
        assertThat(m.keySet())
                .noneMatch(k -> k.startsWith("jobfleet_limit") || k.startsWith("jobfleet_jobs_throttled"));
        assertThat(flow.limits(Q)).isEmpty();
    }

    @Test
    void scopesPastTheBoundAreSummedUnderOtherAndKeptOnceExported() {
        raw(j -> j.hset(keys.limits(), "c:key:*", "1"));
        Map<String, String> counts = new TreeMap<>();
        for (int i = 0; i < 150; i++) counts.put("key:t" + i, Integer.toString(1000 - i)); // t0 most throttled
        raw(j -> j.hset(keys.throttledBy(), counts));

        PrometheusRegistry registry = new PrometheusRegistry();
        try (QueueGauges gauges = new QueueGauges(registry, redis, () -> List.of(Q))) {
            gauges.refresh();
            Map<String, Double> m = values(registry);
            Map<String, Double> throttled = only(m, "jobfleet_jobs_throttled{");
            assertThat(throttled)
                    .hasSize(FlowView.MAX_SCOPES + 1)
                    .containsKey("jobfleet_jobs_throttled{queue=q1, scope=other}");
            double total = 0;
            for (int i = 0; i < 150; i++) total += 1000 - i;
            assertThat(throttled.values().stream()
                            .mapToDouble(Double::doubleValue)
                            .sum())
                    .isEqualTo(total);
            assertThat(only(m, "jobfleet_limit_usage{")).hasSizeLessThanOrEqualTo(FlowView.MAX_SCOPES);
            assertThat(only(m, "jobfleet_limit_usage{"))
                    .containsKey("jobfleet_limit_usage{kind=concurrency, queue=q1, scope=key:t0}");

            raw(j -> j.hset(keys.throttledBy(), "key:t149", "100000")); // now the most throttled: still under other
            gauges.refresh();
            Map<String, Double> after = only(values(registry), "jobfleet_jobs_throttled{");
            assertThat(after)
                    .hasSize(FlowView.MAX_SCOPES + 1)
                    .doesNotContainKey("jobfleet_jobs_throttled{queue=q1, scope=key:t149}");
            assertThat(after.get("jobfleet_jobs_throttled{queue=q1, scope=other}"))
                    .as("counters never go back")
                    .isGreaterThan(throttled.get("jobfleet_jobs_throttled{queue=q1, scope=other}"));
        }
    }

    @Test
    void aWaitingJobSaysWhichLimitItWaitsForAndHowFull() {
        String id = enqueue(1);
        assertThat(flow.waitingFor(Q, id)).isEmpty();
        raw(j -> j.hset(keys.limits(), Map.of("c:type:embed", "5", "c:key:*", "2")));
        for (int i = 0; i < 5; i++) {
            String member = "r" + i;
            raw(j -> j.sadd(keys.running("type:embed"), member));
        }
        raw(j -> j.hset(keys.job(id), "waitingFor", "type:embed"));
        assertThat(flow.waitingFor(Q, id)).contains("waiting for limit type:embed (concurrency 5/5)");
        raw(j -> j.hset(keys.job(id), "waitingFor", "key:t9"));
        assertThat(flow.waitingFor(Q, id)).contains("waiting for limit key:t9 (concurrency 0/2)");
        raw(j -> j.hset(keys.job(id), "waitingFor", "group:gone")); // its limit deleted meanwhile
        assertThat(flow.waitingFor(Q, id)).contains("waiting for limit group:gone");
    }

    @Test
    void aPartitionedQueueSumsItsPartitionsLimitsAndUsage() {
        String parted = "parted"; // its own name: the partition layout is cached for a second, across tests
        queues.declarePartitions(parted, 2);
        for (String physical : queues.physical(parted)) {
            Keys k = Keys.of(physical);
            raw(j -> j.hset(k.limits(), "c:type:embed", "3"));
            raw(j -> j.sadd(k.running("type:embed"), "a", "b"));
            raw(j -> j.zadd(k.prioritized(), 1.0, "p"));
        }
        assertThat(flow.limits(parted)).singleElement().satisfies(l -> {
            assertThat(l.limit()).isEqualTo(6);
            assertThat(l.used()).isEqualTo(4);
        });
        assertThat(queues.counts(parted).prioritized()).isEqualTo(2);
    }

    private <T> T raw(java.util.function.Function<redis.clients.jedis.UnifiedJedis, T> command) {
        return TestRedis.raw(redis, command);
    }

    private Map<String, Double> scrape(List<String> names) {
        PrometheusRegistry registry = new PrometheusRegistry();
        try (QueueGauges gauges = new QueueGauges(registry, redis, () -> names)) {
            gauges.refresh();
            return values(registry);
        }
    }

    private static Map<String, Double> only(Map<String, Double> all, String prefix) {
        Map<String, Double> out = new TreeMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k, v);
        });
        return out;
    }

    /** name{label=value, ...} -> value, labels sorted by name, for gauges and counters. */
    private static Map<String, Double> values(PrometheusRegistry registry) {
        Map<String, Double> out = new TreeMap<>();
        for (MetricSnapshot snapshot : registry.scrape()) {
            for (DataPointSnapshot point : snapshot.getDataPoints()) {
                Map<String, String> labels = new TreeMap<>();
                point.getLabels().forEach(l -> labels.put(l.getName(), l.getValue()));
                String key = snapshot.getMetadata().getPrometheusName() + labels;
                if (point instanceof GaugeSnapshot.GaugeDataPointSnapshot g) out.put(key, g.getValue());
                if (point instanceof CounterSnapshot.CounterDataPointSnapshot c) out.put(key, c.getValue());
            }
        }
        return out;
    }
}
