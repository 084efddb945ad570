package io.secureapi.support;

import java.util.List;

/** Lists of names in one line a person reads: the first few, then how many more (JSON output keeps them all). */
public final class Lists {
    /** How many names a line shows before "… and N more". */
    public static final int SHOWN = 5;

    private Lists() {}

    /** "a, b, c, d, e … and 127 more"; every name when there are at most {@link #SHOWN}. */
    public static String shortened(List<String> names) {
        return shortened(names, SHOWN);
    }

    /** Like {@link #shortened(List)}, showing at most {@code shown} names. */
    public static String shortened(List<String> names, int shown) {
        if (names.size() <= shown) return String.join(", ", names);
        return String.join(", ", names.subList(0, shown)) + " … and " + (names.size() - shown) + " more";
    }
}
