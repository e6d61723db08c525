package io.jobfleet.cli;

/** The exit codes of every {@code jobfleet} command: 0 ok, 1 failure, 2 usage (a bad flag or argument). */
final class ExitCodes {
    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;

    private ExitCodes() {}
}
