package dev.hako.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void writesNestedTreesAndEscapes() {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("s", "a\"b\\c\nd\u0001");
        tree.put("n", 3);
        tree.put("b", true);
        tree.put("l", List.of("x", 1));
        tree.put("e", Map.of());
        tree.put("z", null);
        assertThat(Json.write(tree))
                .isEqualTo("{\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"n\":3,\"b\":true,\"l\":[\"x\",1],\"e\":{},\"z\":null}");
    }

    @Test
    void prettyReindentsWithoutTouchingStrings() {
        assertThat(Json.pretty("{\"a\":[1,2],\"b\":{},\"c\":\"x, {y}: \\\"z\\\"\"}")).isEqualTo("""
                {
                  "a": [
                    1,
                    2
                  ],
                  "b": {},
                  "c": "x, {y}: \\"z\\""
                }""");
    }
}
