package dev.emergence.app.session;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads {@code session.json} field by field, so that one bad value or a file cut short loses only
 * what is really gone: the top-level fields are read in order until the text stops making sense,
 * and each one is kept only if it has the type the session expects.
 */
final class SessionStateReader {
    /**
     * What could be read.
     *
     * @param state    the readable fields (the others null); empty when nothing was readable
     * @param restored how many fields were read
     * @param problems what was wrong, one phrase each; empty for an intact file
     */
    record Result(Optional<SessionState> state, int restored, List<String> problems) {
        boolean damaged() {
            return !problems.isEmpty();
        }
    }

    private final ObjectMapper json;

    SessionStateReader(ObjectMapper json) {
        this.json = json;
    }

    Result read(byte[] bytes) {
        ObjectNode fields = json.createObjectNode();
        List<String> problems = new ArrayList<>();
        try (JsonParser p = json.getFactory().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                problems.add("not a session file");
            } else {
                for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                    if (t == null) {
                        problems.add("cut short");
                        break;
                    }
                    String name = p.currentName();
                    p.nextToken();
                    fields.set(name, json.readTree(p));
                }
            }
        } catch (IOException e) {
            problems.add(fields.isEmpty() ? "unreadable" : "unreadable after the field '" + lastName(fields) + "'");
        }
        ObjectNode valid = json.createObjectNode();
        for (RecordComponent c : SessionState.class.getRecordComponents()) {
            JsonNode v = fields.get(c.getName());
            if (v == null || v.isNull()) continue;
            try {
                json.convertValue(v, c.getType());
                valid.set(c.getName(), v);
            } catch (IllegalArgumentException e) {
                problems.add("'" + c.getName() + "' is not valid");
            }
        }
        if (valid.isEmpty()) return new Result(Optional.empty(), 0, problems);
        return new Result(Optional.of(json.convertValue(valid, SessionState.class)), valid.size(), problems);
    }

    private static String lastName(ObjectNode fields) {
        String last = null;
        for (var it = fields.fieldNames(); it.hasNext(); ) last = it.next();
        return last;
    }
}
