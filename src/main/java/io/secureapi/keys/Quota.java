package io.secureapi.keys;

import io.secureapi.error.ExitException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A key's request quota: at most {@code limit} requests per calendar day or month in UTC. Stored
 * in the key's digest-document entry; the authorizer ignores it (it cannot count cached requests):
 * keys enforce compares it with the access logs and disables keys over it.
 */
public record Quota(long limit, Period period) {
    /** Usage at or above this share of the limit is a warning. */
    public static final double WARNING_AT = 0.8;

    private static final Pattern TEXT = Pattern.compile("(\\d{1,12})/(day|month)");

    public enum Period {
        DAY("day"),
        MONTH("month");

        private final String word;

        Period(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }

        public static Period of(String word) {
            for (Period p : values()) if (p.word.equals(word)) return p;
            return null;
        }

        /** The start of the period holding {@code t} (UTC calendar day or month). */
        public Instant start(Instant t) {
            LocalDate d = LocalDate.ofInstant(t, ZoneOffset.UTC);
            if (this == MONTH) d = d.withDayOfMonth(1);
            return d.atStartOfDay(ZoneOffset.UTC).toInstant();
        }
    }

    public Quota {
        if (limit < 1 || period == null) throw new IllegalArgumentException("quota");
    }

    /** "100000/month" or "5000/day"; anything else is exit 2 naming {@code flag}. */
    public static Quota parse(String text, String flag) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT).replace("_", "");
        Matcher m = TEXT.matcher(t);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw ExitException.badInput(
                    flag + " \"" + (t.length() > 40 ? t.substring(0, 40) + "…" : t) + "\" is not a quota",
                    "give requests per UTC day or month, e.g. " + flag + " 100000/month or " + flag + " 5000/day");
        }
        return new Quota(Long.parseLong(m.group(1)), Period.of(m.group(2)));
    }

    /** ok, warning (at 80 %) or over (at 100 %) for {@code used} requests in the period. */
    public String status(long used) {
        if (used >= limit) return "over";
        if (used >= WARNING_AT * limit) return "warning";
        return "ok";
    }

    /** Used as a percentage of the limit, one decimal. */
    public double percent(long used) {
        return Math.round(used * 1000.0 / limit) / 10.0;
    }

    @Override
    public String toString() {
        return limit + "/" + period.word();
    }
}
