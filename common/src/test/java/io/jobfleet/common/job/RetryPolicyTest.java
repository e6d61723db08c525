package io.jobfleet.common.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Exponential backoff with full jitter: the ceilings, the spread of the delays, the validation. */
class RetryPolicyTest {

    @Test
    void defaultCeilingsGrowFiveFoldThenCap() {
        RetryPolicy p = RetryPolicy.DEFAULT;
        assertThat(p.ceilingMs(1)).isEqualTo(1_000);
        assertThat(p.ceilingMs(2)).isEqualTo(5_000);
        assertThat(p.ceilingMs(3)).isEqualTo(25_000);
        assertThat(p.ceilingMs(4)).isEqualTo(125_000);
        assertThat(p.ceilingMs(5)).isEqualTo(625_000);
        assertThat(p.ceilingMs(6)).isEqualTo(3_125_000);
        assertThat(p.ceilingMs(7)).isEqualTo(RetryPolicy.DEFAULT_CAP_MS);
        assertThat(p.ceilingMs(1000)).isEqualTo(RetryPolicy.DEFAULT_CAP_MS);
        assertThat(p.ceilingMs(0)).isEqualTo(1_000);
        assertThat(p.maxAttempts()).isEqualTo(5);
    }

    @Test
    void delaysAreFullJitterWithinTheCeiling() {
        RetryPolicy p = RetryPolicy.DEFAULT;
        for (int attempt = 1; attempt <= 8; attempt++) {
            long ceiling = p.ceilingMs(attempt);
            long min = Long.MAX_VALUE;
            long max = 0;
            double sum = 0;
            int samples = 20_000;
            for (int i = 0; i < samples; i++) {
                long d = p.delayMs(attempt);
                assertThat(d).as("attempt %d", attempt).isBetween(0L, ceiling);
                min = Math.min(min, d);
                max = Math.max(max, d);
                sum += d;
            }
            // full jitter: spread over the whole range, mean near half the ceiling
            assertThat(min).isLessThan(ceiling / 20);
            assertThat(max).isGreaterThan(ceiling - ceiling / 20);
            assertThat(sum / samples).isBetween(ceiling * 0.45, ceiling * 0.55);
        }
    }

    @Test
    void zeroBaseMeansRetryAtOnce() {
        RetryPolicy p = new RetryPolicy(0, 2.0, 0, 3);
        for (int i = 0; i < 100; i++) assertThat(p.delayMs(i % 5 + 1)).isZero();
    }

    @Test
    void backoffFieldRoundTrips() {
        RetryPolicy p = new RetryPolicy(250, 3.5, 60_000, 9);
        assertThat(RetryPolicy.DEFAULT.withBackoffField(p.backoffField(), 9)).isEqualTo(p);
        assertThat(RetryPolicy.DEFAULT.withBackoffField(p.backoffField(), null))
                .isEqualTo(new RetryPolicy(250, 3.5, 60_000, RetryPolicy.DEFAULT_MAX_ATTEMPTS));
        assertThat(RetryPolicy.DEFAULT.withBackoffField(null, null)).isSameAs(RetryPolicy.DEFAULT);
        assertThat(RetryPolicy.DEFAULT.withBackoffField("", 2)).isEqualTo(new RetryPolicy(1_000, 5.0, 3_600_000, 2));
    }

    @Test
    void invalidPoliciesNameTheValue() {
        assertThatThrownBy(() -> new RetryPolicy(-1, 2, 10, 3)).hasMessageContaining("-1");
        assertThatThrownBy(() -> new RetryPolicy(10, 0.5, 10, 3)).hasMessageContaining("0.5");
        assertThatThrownBy(() -> new RetryPolicy(100, 2, 10, 3))
                .hasMessageContaining("10 ms")
                .hasMessageContaining("100 ms");
        assertThatThrownBy(() -> new RetryPolicy(10, 2, 100, 0)).hasMessageContaining("got 0");
        assertThatThrownBy(() -> new RetryPolicy(10, 2, 100, 1001)).hasMessageContaining("1001");
    }

    /** L7: a cap beyond 30 days is refused, naming the field; a stored job's larger cap is read as 30 days. */
    @Test
    void theCapHasAnUpperBound() {
        long thirtyDays = java.time.Duration.ofDays(30).toMillis();
        assertThat(new RetryPolicy(1_000, 2.0, thirtyDays, 5).capMs()).isEqualTo(thirtyDays);
        assertThatThrownBy(() -> new RetryPolicy(1_000, 2.0, Long.MAX_VALUE, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retry cap")
                .hasMessageContaining(Long.toString(Long.MAX_VALUE))
                .hasMessageContaining("30 days");
        RetryPolicy stored = RetryPolicy.DEFAULT.withBackoffField("1000,2.0," + Long.MAX_VALUE, 3);
        assertThat(stored.capMs()).isEqualTo(thirtyDays);
        assertThat(stored.delayMs(1000)).isBetween(0L, thirtyDays);
    }
}
