package io.jobfleet.worker;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Captures what the workers of this JVM log about Redis outages ("Redis is unavailable", "Redis is back"). */
final class OutageLog implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    OutageLog() {
        appender.start();
        logger().addAppender(appender);
    }

    List<String> messages() {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    long count(String prefix) {
        return messages().stream().filter(m -> m.startsWith(prefix)).count();
    }

    @Override
    public void close() {
        logger().detachAppender(appender);
    }

    private static Logger logger() {
        return (Logger) LoggerFactory.getLogger(Outage.class);
    }
}
