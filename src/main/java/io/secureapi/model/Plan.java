package io.secureapi.model;

import java.util.ArrayList;
import java.util.List;

/** An immutable list of changes that prints as a table or as JSON. */
public record Plan(List<Change> changes) {
    public Plan {
        changes = List.copyOf(changes);
    }

    public boolean isEmpty() {
        return changes.stream().noneMatch(Change::changes);
    }

    public long changeCount() {
        return changes.stream().filter(Change::changes).count();
    }

    public List<Object> toJson() {
        List<Object> rows = new ArrayList<>();
        changes.forEach(c -> rows.add(c.toJson()));
        return rows;
    }

    public String toTable() {
        int wp = "PIECE".length(), wa = "ACTION".length(), wr = "RESOURCE".length();
        for (Change c : changes) {
            wp = Math.max(wp, c.piece().length());
            wa = Math.max(wa, c.action().word().length());
            wr = Math.max(wr, c.resource().length());
        }
        wr = Math.min(wr, 60);
        StringBuilder b = new StringBuilder();
        String fmt = "  %-" + wp + "s  %-" + wa + "s  %-" + wr + "s  %s%n";
        b.append(String.format(fmt, "PIECE", "ACTION", "RESOURCE", "DETAIL"));
        for (Change c : changes) {
            b.append(String.format(fmt, c.piece(), c.action().word(), c.resource(), c.detail()));
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return toTable();
    }
}
