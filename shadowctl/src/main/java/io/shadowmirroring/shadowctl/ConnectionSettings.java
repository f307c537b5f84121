package io.shadowmirroring.shadowctl;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything needed to open the admin channel, resolved from the global options and the
 * environment before connecting, so that a bad token file is a usage error and not a failed call.
 *
 * @param token the bearer token, already read and trimmed
 * @param caFile the CA bundle that signs the admin port's certificate; empty means the JVM's own trust store
 * @param timeout the deadline of each unary call; streams have none
 */
record ConnectionSettings(
    AdminAddress address, Optional<String> token, boolean tls, Optional<Path> caFile, Duration timeout) {}
