package io.jobfleet.cli;

import java.io.Console;

/**
 * Whether the command talks to a person at a terminal. From JDK 22 on {@code System.console()}
 * is not null when the streams are piped, so the null check alone would draw progress bars into
 * logs and prompt a pipe; {@code Console.isTerminal()} (JDK 22+, called reflectively because we
 * build for 21) tells.
 */
final class Terminal {
    private Terminal() {}

    @SuppressWarnings("SystemConsoleNull") // the JDK 21 path: there a console exists only on a terminal
    static boolean interactive() {
        Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
