package io.shadowmirroring.xds;

/**
 * The validating admission webhook's HTTPS port.
 *
 * @param port 0 picks a free port (tests)
 * @param tls the certificate the API server checks against the webhook configuration's caBundle; no
 *     client CA (the API server presents no client certificate by default)
 */
public record WebhookSettings(String address, int port, ServerTls.Files tls) {}
