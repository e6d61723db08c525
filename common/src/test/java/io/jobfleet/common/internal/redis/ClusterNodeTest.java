package io.jobfleet.common.internal.redis;

import org.junit.jupiter.api.Tag;

/**
 * Tests on a real cluster node: one cluster-enabled redis-server of their own, serving all 16384
 * slots ({@link RedisServerExtension} assigns them before anyone connects). Redis checks there that
 * a script's KEYS share one slot (else CROSSSLOT).
 */
@Tag("single-server") // its own server: not run against Cluster or Sentinel
@RedisServerExtension.Args({"--cluster-enabled", "yes", "--cluster-node-timeout", "2000"})
abstract class ClusterNodeTest extends RealRedisTest {}
