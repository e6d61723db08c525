package io.jobfleet.common.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One failed attempt, as kept on the job record: which attempt, the exception's class and
 * message, a trimmed stack, the worker and the server time it was recorded at.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AttemptError(int attempt, String errorClass, String message, String stack, String worker, long at) {

    public static final int STACK_LINES = 12;
    public static final int MESSAGE_CHARS = 2_000;

    public static AttemptError of(int attempt, Throwable error, String worker) {
        return new AttemptError(
                attempt, error.getClass().getName(), trim(String.valueOf(error.getMessage())), stack(error), worker, 0);
    }

    private static String trim(String message) {
        return message.length() <= MESSAGE_CHARS ? message : message.substring(0, MESSAGE_CHARS) + "...";
    }

    private static String stack(Throwable error) {
        StringWriter out = new StringWriter();
        error.printStackTrace(new PrintWriter(out));
        String[] lines = out.toString().split("\n");
        StringBuilder trimmed = new StringBuilder();
        for (int i = 0; i < Math.min(lines.length, STACK_LINES); i++) {
            trimmed.append(lines[i].stripTrailing()).append('\n');
        }
        if (lines.length > STACK_LINES) {
            trimmed.append("\t... ").append(lines.length - STACK_LINES).append(" more\n");
        }
        return trimmed.toString();
    }
}
