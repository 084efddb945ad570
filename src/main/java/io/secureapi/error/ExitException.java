package io.secureapi.error;

/**
 * An error that knows its exit code (2 bad input, 3 AWS refused or failed). Its message is one
 * plain line that names the action and the resource; the hint is the next step. Neither ever holds
 * key material.
 */
public class ExitException extends RuntimeException {
    public static final int FAILED = 1;
    public static final int BAD_INPUT = 2;
    public static final int AWS = 3;

    private final int exitCode;
    private final String hint;

    public ExitException(int exitCode, String message, String hint, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.hint = hint;
    }

    public static ExitException badInput(String message, String hint) {
        return new ExitException(BAD_INPUT, message, hint, null);
    }

    public int exitCode() {
        return exitCode;
    }

    public String hint() {
        return hint;
    }
}
