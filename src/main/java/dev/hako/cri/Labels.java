package dev.hako.cri;

import java.util.Map;

/** CRI label selectors: every key=value of the selector must be among the labels. */
final class Labels {
    private Labels() {}

    static boolean match(Map<String, String> selector, Map<String, String> labels) {
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
