package dev.hako.image.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 7235), e.g.
 * {@code Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"}.
 *
 * @param scheme lower-cased, e.g. {@code bearer}, {@code basic}
 * @param params parameter names lower-cased; quoted values unescaped
 */
record Challenge(String scheme, Map<String, String> params) {

    String param(String name) {
        return params.get(name);
    }

    /** Every challenge in every header value; malformed remainders are ignored rather than fatal. */
    static List<Challenge> parse(List<String> headerValues) {
        List<Challenge> out = new ArrayList<>();
        for (String value : headerValues) {
            new Parser(value).challenges(out);
        }
        return out;
    }

    static Challenge find(List<Challenge> challenges, String scheme) {
        for (Challenge c : challenges) {
            if (c.scheme.equals(scheme)) {
                return c;
            }
        }
        return null;
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        void challenges(List<Challenge> out) {
            String scheme = null;
            Map<String, String> params = new LinkedHashMap<>();
            while (true) {
                skip(" \t,");
                if (pos >= s.length()) {
                    break;
                }
                String token = token();
                if (token.isEmpty()) {
                    break; // unexpected character: stop here
                }
                skip(" \t");
                if (scheme != null && pos < s.length() && s.charAt(pos) == '=') {
                    pos++;
                    skip(" \t");
                    params.put(token.toLowerCase(Locale.ROOT), value());
                    continue;
                }
                // a token not followed by '=' starts the next challenge
                if (scheme != null) {
                    out.add(new Challenge(scheme, params));
                    params = new LinkedHashMap<>();
                }
                scheme = token.toLowerCase(Locale.ROOT);
            }
            if (scheme != null) {
                out.add(new Challenge(scheme, params));
            }
        }

        private void skip(String chars) {
            while (pos < s.length() && chars.indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        private String token() {
            int start = pos;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c <= ' ' || c == ',' || c == '=' || c == '"') {
                    break;
                }
                pos++;
            }
            return s.substring(start, pos);
        }

        private String value() {
            if (pos >= s.length() || s.charAt(pos) != '"') {
                return token();
            }
            pos++;
            StringBuilder v = new StringBuilder();
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == '"') {
                    return v.toString();
                }
                if (c == '\\' && pos < s.length()) {
                    c = s.charAt(pos++);
                }
                v.append(c);
            }
            return v.toString();
        }
    }
}
