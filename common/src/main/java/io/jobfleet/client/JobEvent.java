package io.jobfleet.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.job.JobState;

/**
 * One Server-Sent Event of a job, as {@code GET /v1/queues/{queue}/jobs/{id}/events} sends it.
 * {@code type} is {@code state} (data: {@code state}, {@code attempt}, {@code at}, and on a failure
 * {@code error}), {@code progress} (data: what the handler reported) or {@code position} (data:
 * {@code position}, jobs ahead of it while it waits). {@code id} is the event id to resume after;
 * null for position events.
 */
public record JobEvent(String id, String type, JsonNode data) {
    /** The state this event announces, or null when it is not a state event. */
    public JobState state() {
        return "state".equals(type) && data.hasNonNull("state")
                ? JobState.valueOf(data.get("state").asText())
                : null;
    }

    /** True for a state event of SUCCEEDED, CANCELLED or DEAD: the job has an outcome. */
    public boolean isOutcome() {
        JobState state = state();
        return state == JobState.SUCCEEDED
                || state == JobState.CANCELLED
                || state == JobState.DEAD
                || state == JobState.EXPIRED;
    }
}
