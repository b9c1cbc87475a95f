package dev.throttle.examples;

import dev.throttle.kernel.Arguments;

/** The port a server example listens on, from its command line. */
final class ServerPort {

    /** The port when none is given. */
    static final int DEFAULT = 8080;

    private ServerPort() {
    }

    /**
     * The port in {@code args[0]}, or {@value #DEFAULT}; 0 asks the system for any free port.
     *
     * @param args the program's arguments
     * @return the port
     * @throws IllegalArgumentException if {@code args[0]} is not a number in [0, 65535]
     */
    static int fromArgs(String[] args) {
        if (args.length == 0) {
            return DEFAULT;
        }
        long port;
        try {
            port = Long.parseLong(args[0].strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port = " + args[0] + " is not a number", e);
        }
        return (int) Arguments.requireInRange("port", port, 0, 65_535);
    }
}
