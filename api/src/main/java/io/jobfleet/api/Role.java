package io.jobfleet.api;

import io.javalin.security.RouteRole;

/** What a token may do: submit (enqueue, read and cancel its own jobs), read (every job and queue), admin (everything). */
public enum Role implements RouteRole {
    SUBMIT,
    READ,
    ADMIN
}
