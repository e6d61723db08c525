package io.jobfleet.common.job;

/**
 * A limit as it stands, with how much of it is in use: {@code running} jobs holding a slot of its
 * scope (null without a concurrency limit, or for {@code key:*}/{@code group:*}, whose keys and
 * groups each count on their own) and {@code startsInWindow}, starts in the current period (null
 * without a rate limit, or for {@code *}). On a partitioned queue every number is the sum over
 * the partitions: the limit is what the whole fleet enforces (see {@code LimitStore}).
 */
public record LimitUsage(Limit limit, Long running, Long startsInWindow) {}
