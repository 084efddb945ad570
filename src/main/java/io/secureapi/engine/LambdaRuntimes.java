package io.secureapi.engine;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;

/**
 * Lambda's runtime deprecation schedule (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html,
 * as of {@link #AS_OF}): after the deprecation date a runtime gets no security patches; later, creating
 * and then updating functions on it is blocked. Functions keep running, unpatched.
 */
public final class LambdaRuntimes {
    private LambdaRuntimes() {
    }

    /** The day the schedule below was last compared with AWS's page; later changes there are not known here. */
    public static final LocalDate AS_OF = LocalDate.parse("2026-04-01");

    /** Dates of one runtime; blockCreate/blockUpdate may be null when AWS lists none. */
    public record Schedule(LocalDate deprecated, LocalDate blockCreate, LocalDate blockUpdate) {
    }

    /** How close to its deprecation a runtime starts to warn: Lambda's own notice period. */
    public static final int NOTICE_DAYS = 60;

    private static final Map<String, Schedule> SCHEDULE = Map.ofEntries(
            s("nodejs", "2016-08-30", "2016-09-30", "2016-10-31"),
            s("nodejs4.3", "2020-03-05", "2020-02-03", "2020-03-05"),
            s("nodejs4.3-edge", "2020-03-05", "2019-03-31", "2019-04-30"),
            s("nodejs6.10", "2019-08-12", "2019-07-12", "2019-08-12"),
            s("nodejs8.10", "2020-03-06", "2020-02-04", "2020-03-06"),
            s("nodejs10.x", "2021-07-30", "2021-07-30", "2022-02-14"),
            s("nodejs12.x", "2023-03-31", "2023-03-31", "2023-04-30"),
            s("nodejs14.x", "2023-12-04", "2024-01-09", "2026-09-30"),
            s("nodejs16.x", "2024-06-12", "2026-08-31", "2026-09-30"),
            s("nodejs18.x", "2025-09-01", "2026-08-31", "2026-09-30"),
            s("nodejs20.x", "2026-04-30", "2026-08-31", "2026-09-30"),
            s("nodejs22.x", "2027-04-30", "2027-06-01", "2027-07-01"),
            s("nodejs24.x", "2028-04-30", "2028-06-01", "2028-07-01"),
            s("python2.7", "2021-07-15", "2021-07-15", "2022-05-30"),
            s("python3.6", "2022-07-18", "2022-07-18", "2022-08-29"),
            s("python3.7", "2023-12-04", "2024-01-09", "2026-09-30"),
            s("python3.8", "2024-10-14", "2026-08-31", "2026-09-30"),
            s("python3.9", "2025-12-15", "2026-08-31", "2026-09-30"),
            s("python3.10", "2026-10-31", "2026-11-30", "2027-01-15"),
            s("python3.11", "2027-06-30", "2027-07-31", "2027-08-31"),
            s("python3.12", "2028-10-31", "2028-11-30", "2029-01-10"),
            s("python3.13", "2029-06-30", "2029-07-31", "2029-08-31"),
            s("python3.14", "2029-06-30", "2029-07-31", "2029-08-31"),
            s("java8", "2024-01-08", "2024-02-08", "2026-09-30"),
            s("java8.al2", "2027-06-30", "2027-07-31", "2027-08-31"),
            s("java11", "2027-06-30", "2027-07-31", "2027-08-31"),
            s("java17", "2027-06-30", "2027-07-31", "2027-08-31"),
            s("java21", "2029-06-30", "2029-07-31", "2029-08-31"),
            s("java25", "2029-06-30", "2029-07-31", "2029-08-31"),
            s("dotnetcore1.0", "2019-06-27", "2019-06-30", "2019-07-30"),
            s("dotnetcore2.0", "2019-05-30", "2019-04-30", "2019-05-30"),
            s("dotnetcore2.1", "2022-01-05", "2022-01-05", "2022-04-13"),
            s("dotnetcore3.1", "2023-04-03", "2023-04-03", "2023-05-03"),
            s("dotnet5.0", "2022-05-10", null, null),
            s("dotnet6", "2024-12-20", "2026-08-31", "2026-09-30"),
            s("dotnet7", "2024-05-14", null, null),
            s("dotnet8", "2026-11-10", "2026-12-10", "2027-01-11"),
            s("dotnet10", "2028-11-14", "2028-12-14", "2029-01-15"),
            s("ruby2.5", "2021-07-30", "2021-07-30", "2022-03-31"),
            s("ruby2.7", "2023-12-07", "2024-01-09", "2026-09-30"),
            s("ruby3.2", "2026-03-31", "2026-08-31", "2026-09-30"),
            s("ruby3.3", "2027-03-31", "2027-04-30", "2027-05-31"),
            s("ruby3.4", "2028-03-31", "2028-04-30", "2028-05-31"),
            s("go1.x", "2024-01-08", "2024-02-08", "2026-09-30"),
            s("provided", "2024-01-08", "2024-02-08", "2026-09-30"),
            s("provided.al2", "2026-07-31", "2026-08-31", "2026-09-30"),
            s("provided.al2023", "2029-06-30", "2029-07-31", "2029-08-31"));

    private static Map.Entry<String, Schedule> s(String id, String deprecated, String create, String update) {
        return Map.entry(id, new Schedule(LocalDate.parse(deprecated), create == null ? null : LocalDate.parse(create),
                update == null ? null : LocalDate.parse(update)));
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
            if (d.blockUpdate() != null && !today.isBefore(d.blockUpdate())) blocked = "; updating functions on it has been blocked since " + d.blockUpdate();
            else if (d.blockCreate() != null && !today.isBefore(d.blockCreate())) blocked = "; new functions are blocked since " + d.blockCreate()
                    + (d.blockUpdate() == null ? "" : ", updates from " + d.blockUpdate());
            else if (d.blockUpdate() != null) blocked = "; updates are blocked from " + d.blockUpdate();
            return Optional.of(runtime + " is deprecated since " + d.deprecated() + " (no more security patches)" + blocked);
        }
        long days = ChronoUnit.DAYS.between(today, d.deprecated());
        if (days <= NOTICE_DAYS) return Optional.of(runtime + " will be deprecated on " + d.deprecated() + " (in " + days + " days)");
        return Optional.empty();
    }
}
