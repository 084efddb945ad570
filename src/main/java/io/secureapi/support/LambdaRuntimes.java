package io.secureapi.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Lambda's runtime deprecation schedule (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html),
 * kept as data in lambda-runtimes.json with the day it was copied: after the deprecation date a
 * runtime gets no security patches; later, creating and then updating functions on it is blocked.
 * Functions keep running, unpatched.
 */
public final class LambdaRuntimes {
    private LambdaRuntimes() {}

    private static final String RESOURCE = "/lambda-runtimes.json";

    /** Dates of one runtime; blockCreate/blockUpdate may be null when AWS lists none. */
    public record Schedule(LocalDate deprecated, LocalDate blockCreate, LocalDate blockUpdate) {}

    /** How close to its deprecation a runtime starts to warn: Lambda's own notice period. */
    public static final int NOTICE_DAYS = 60;

    private static final Map<String, Object> DATA = load();

    /** The day the schedule was last compared with AWS's page; later changes there are not known here. */
    public static final LocalDate AS_OF = date(DATA.get("asOf"));

    private static final Map<String, Schedule> SCHEDULE = schedules(DATA);

    private static Map<String, Object> load() {
        try (InputStream in = LambdaRuntimes.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the jar");
            return Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Schedule> schedules(Map<String, Object> data) {
        Map<String, Schedule> out = new HashMap<>();
        ((Map<String, Object>) data.get("runtimes")).forEach((id, v) -> {
            Map<String, Object> d = (Map<String, Object>) v;
            out.put(
                    id,
                    new Schedule(date(d.get("deprecated")), date(d.get("blockCreate")), date(d.get("blockUpdate"))));
        });
        return Map.copyOf(out);
    }

    /**
     * A date as the file writes it, YYYY-MM-DD. Read by hand: java.time's general parser costs the
     * first command that checks a runtime about 2 ms on its critical path; the file's format is ours.
     */
    static LocalDate date(Object v) {
        if (v == null) return null;
        String s = (String) v;
        boolean shape = s.length() == 10;
        for (int i = 0; shape && i < 10; i++)
            shape = i == 4 || i == 7 ? s.charAt(i) == '-' : s.charAt(i) >= '0' && s.charAt(i) <= '9';
        if (!shape) throw new IllegalStateException(RESOURCE + ": not a YYYY-MM-DD date: " + s);
        try {
            return LocalDate.of(
                    Integer.parseInt(s, 0, 4, 10), Integer.parseInt(s, 5, 7, 10), Integer.parseInt(s, 8, 10, 10));
        } catch (NumberFormatException | java.time.DateTimeException e) {
            throw new IllegalStateException(RESOURCE + ": not a YYYY-MM-DD date: " + s, e);
        }
    }

    public static Optional<Schedule> schedule(String runtime) {
        return Optional.ofNullable(runtime == null ? null : SCHEDULE.get(runtime));
    }

    /** Why this runtime deserves a warning on {@code today}; empty when it is supported and not close to deprecation. */
    public static Optional<String> concern(String runtime, LocalDate today) {
        Optional<Schedule> s = schedule(runtime);
        if (s.isEmpty()) return Optional.empty();
        Schedule d = s.get();
        if (!today.isBefore(d.deprecated())) {
            String blocked = "";
            if (d.blockUpdate() != null && !today.isBefore(d.blockUpdate()))
                blocked = "; updating functions on it has been blocked since " + d.blockUpdate();
            else if (d.blockCreate() != null && !today.isBefore(d.blockCreate()))
                blocked = "; new functions are blocked since " + d.blockCreate()
                        + (d.blockUpdate() == null ? "" : ", updates from " + d.blockUpdate());
            else if (d.blockUpdate() != null) blocked = "; updates are blocked from " + d.blockUpdate();
            return Optional.of(runtime + " is deprecated since " + d.deprecated() + " (no more security patches)"
                    + blocked + asOf());
        }
        long days = ChronoUnit.DAYS.between(today, d.deprecated());
        if (days <= NOTICE_DAYS)
            return Optional.of(
                    runtime + " will be deprecated on " + d.deprecated() + " (in " + days + " days)" + asOf());
        return Optional.empty();
    }

    private static String asOf() {
        return "; per Lambda's schedule as of " + AS_OF;
    }
}
