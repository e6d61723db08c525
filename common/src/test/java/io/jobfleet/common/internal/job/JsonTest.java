package io.jobfleet.common.internal.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** The write check and the reader use one set of limits: at each limit a value goes both ways, past it neither. */
class JsonTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Test
    void depth() {
        atAndPast(Json.MAX_DEPTH, JsonTest::nested);
    }

    @Test
    void stringLength() {
        atAndPast(Json.MAX_STRING_CHARS, n -> F.objectNode().put("s", "x".repeat(n)));
    }

    @Test
    void fieldNameLength() {
        atAndPast(Json.MAX_NAME_CHARS, n -> F.objectNode().put("k".repeat(n), 1));
    }

    @Test
    void numberLength() {
        atAndPast(Json.MAX_NUMBER_CHARS, n -> F.objectNode().put("n", new BigInteger("9".repeat(n))));
    }

    @Test
    void sizeIsCountedInBytesOfUtf8Json() {
        JsonNode value = F.objectNode().put("s", "\u00e9\u00e9"); // {"s":"éé"}: 8 ASCII bytes, two of 2 bytes
        Json.checkValue("result", value, 12);
        assertThatThrownBy(() -> Json.checkValue("result", value, 11))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("result is 12 bytes of JSON (the limit is 11)");
    }

    private static void atAndPast(int limit, IntFunction<JsonNode> value) {
        JsonNode at = value.apply(limit);
        Json.checkValue("payload", at);
        assertThat(Json.read(Json.write(at))).isEqualTo(at);

        JsonNode past = value.apply(limit + 1);
        assertThatThrownBy(() -> Json.checkValue("payload", past))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("payload ")
                .hasMessageContaining("(the limit is " + limit + ")");
        assertThatThrownBy(() -> Json.read(Json.write(past))).isInstanceOf(IllegalArgumentException.class);
    }

    private static JsonNode nested(int depth) {
        JsonNode node = F.arrayNode();
        for (int i = 1; i < depth; i++) node = F.arrayNode().add(node);
        return node;
    }
}
