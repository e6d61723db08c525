package io.jobfleet.common.internal.redis;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A value per queue name, for the {@link #CAPACITY} names used most recently: a producer sees
 * whatever queue names its callers send, so what it keeps per name must not grow with them.
 * Forgetting a name only costs redoing its first-use work (a registration, a random start).
 * Thread-safe; every access locks, which is cheap next to the Redis call that follows it.
 */
final class QueueNames<V> {
    static final int CAPACITY = 1_000;

    private final Map<String, V> values = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
            return size() > CAPACITY;
        }
    };

    synchronized V get(String queue) {
        return values.get(queue);
    }

    synchronized void put(String queue, V value) {
        values.put(queue, value);
    }

    synchronized V computeIfAbsent(String queue, Function<String, V> make) {
        return values.computeIfAbsent(queue, make);
    }

    synchronized int size() {
        return values.size();
    }
}
