package dev.hako.stream;

import dev.hako.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The resize stream is a sequence of JSON objects {"Width":W,"Height":H}, split across frames arbitrarily. */
final class ResizeDecoder {
    private static final int MAX_OBJECT = 4096;
    private final StringBuilder pending = new StringBuilder();

    List<TerminalSize> feed(byte[] data) {
        pending.append(new String(data, StandardCharsets.UTF_8));
        List<TerminalSize> sizes = new ArrayList<>();
        int depth = 0;
        int start = -1;
        int consumed = 0;
        for (int i = 0; i < pending.length(); i++) {
            char c = pending.charAt(i);
            if (c == '{') {
                if (depth++ == 0) {
                    start = i;
                }
            } else if (c == '}' && depth > 0 && --depth == 0) {
                TerminalSize size = parse(pending.substring(start, i + 1));
                if (size != null) {
                    sizes.add(size);
                }
                consumed = i + 1;
            }
        }
        pending.delete(0, depth == 0 ? pending.length() : consumed);
        if (pending.length() > MAX_OBJECT) {
            pending.setLength(0); // garbage, not a size; drop it rather than buffer without bound
        }
        return sizes;
    }

    private static TerminalSize parse(String json) {
        try {
            Map<String, Object> m = Json.parseObject(json);
            if (m.get("Width") instanceof Number w && m.get("Height") instanceof Number h) {
                return new TerminalSize(w.intValue(), h.intValue());
            }
        } catch (RuntimeException e) {
            // a malformed resize is ignored, as the kubelet does
        }
        return null;
    }
}
