package io.jobfleet.common.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a limit may be, and the message naming the field when it may not. */
class LimitTest {
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"queue", "type:embed.v2", "key:tenant-1", "key:*", "group:acme", "group:*", "key:a/b%c"})
    void theScopesOfTheSpecAreTaken(String scope) {
        assertThat(Limit.concurrency("q", scope, 1).scope()).isEqualTo(scope);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "tenant:1|scope must be queue, type:<type>",
                "queues|scope must be queue",
                "key:|scope: the key must be 1-128 printable ASCII",
                "key:a b|scope: the key must be 1-128 printable ASCII",
                "group:|scope: the group must be",
                "type:-x|scope: job type '-x' is not valid",
                "type:*|scope: job type '*' is not valid",
            })
    void anUnknownOrMalformedScopeIsRefusedNamingTheScope(String scope, String message) {
        assertThatThrownBy(() -> Limit.concurrency("q", scope, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void anOverLongKeyIsRefused() {
        String key = "k".repeat(129);
        assertThatThrownBy(() -> Limit.concurrency("q", "key:" + key, 1))
                .hasMessageStartingWith("scope: the key must be 1-128");
        assertThat(Limit.concurrency("q", "key:" + "k".repeat(128), 1).scope()).hasSize(132);
    }

    @Test
    void limitsAndPeriodsOutOfRangeAreRefusedNamingTheField() {
        assertThatThrownBy(() -> Limit.concurrency("q", "queue", 0)).hasMessage("concurrency must be 1..100000, got 0");
        assertThatThrownBy(() -> Limit.concurrency("q", "queue", -3))
                .hasMessage("concurrency must be 1..100000, got -3");
        assertThatThrownBy(() -> Limit.concurrency("q", "queue", 100_001))
                .hasMessage("concurrency must be 1..100000, got 100001");
        assertThatThrownBy(() -> Limit.rate("q", "queue", 0, Duration.ofSeconds(1)))
                .hasMessage("rate must be 1..100000, got 0");
        assertThatThrownBy(() -> Limit.rate("q", "queue", 1, Duration.ofMillis(99)))
                .hasMessage("period must be 100ms..1d, got 99ms");
        assertThatThrownBy(() -> Limit.rate("q", "queue", 1, Duration.ofDays(2)))
                .hasMessage("period must be 100ms..1d, got 2d");
        assertThatThrownBy(() -> new Limit("q", "queue", null, 5, null)).hasMessageStartingWith("period is missing");
        assertThatThrownBy(() -> new Limit("q", "queue", 5, null, Duration.ofSeconds(1)))
                .hasMessageStartingWith("rate is missing");
        assertThatThrownBy(() -> new Limit("q", "queue", null, null, null))
                .hasMessageStartingWith("concurrency or rate");
        assertThatThrownBy(() -> Limit.concurrency("Bad Queue", "queue", 1)).hasMessageStartingWith("queue name");
    }

    @Test
    void ratesAreReadAsPeopleWriteThem() {
        assertThat(Limit.Rate.parse("100/1s")).isEqualTo(new Limit.Rate(100, Duration.ofSeconds(1)));
        assertThat(Limit.Rate.parse("100/s")).isEqualTo(new Limit.Rate(100, Duration.ofSeconds(1)));
        assertThat(Limit.Rate.parse("600/1m")).isEqualTo(new Limit.Rate(600, Duration.ofMinutes(1)));
        assertThat(Limit.Rate.parse("5/500ms")).isEqualTo(new Limit.Rate(5, Duration.ofMillis(500)));
        assertThat(Limit.Rate.parse("1000/1d")).isEqualTo(new Limit.Rate(1000, Duration.ofDays(1)));
        assertThat(Limit.rate("q", "queue", "600/1m").rateText()).isEqualTo("600/1m");
        assertThat(Limit.rate("q", "queue", "60/90s").rateText()).isEqualTo("60/90s");
        for (String bad : new String[] {"100", "100/", "/1s", "100/1w", "-1/1s", "ten/1s", "100/1.5s"}) {
            assertThatThrownBy(() -> Limit.Rate.parse(bad))
                    .as(bad)
                    .hasMessageStartingWith("rate '" + bad + "' is not N/PERIOD");
        }
        assertThatThrownBy(() -> Limit.rate("q", "queue", "100/1ms")).hasMessage("period must be 100ms..1d, got 1ms");
    }
}
