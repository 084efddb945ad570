package io.secureapi.support;

/** Where the engine reports what it is waiting for; the CLI prints it on stderr. */
@FunctionalInterface
public interface Progress {
    void say(String line);

    Progress NONE = line -> {};
}
