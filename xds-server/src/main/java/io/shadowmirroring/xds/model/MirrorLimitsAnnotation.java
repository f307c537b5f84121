package io.shadowmirroring.xds.model;

import static io.shadowmirroring.xds.model.MirrorAnnotations.MIRROR_LIMITS;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code shadow-mirroring.io/mirror-limits}: {@code max-connections=N,max-pending-requests=N,max-requests=N},
 * each from 1 to 100000; a setting left out keeps its {@link MirrorLimits#DEFAULT} value.
 */
final class MirrorLimitsAnnotation {
  static final String MAX_CONNECTIONS = "max-connections";
  static final String MAX_PENDING_REQUESTS = "max-pending-requests";
  static final String MAX_REQUESTS = "max-requests";
  static final int MAX = 100_000;
  private static final List<String> SETTINGS = List.of(MAX_CONNECTIONS, MAX_PENDING_REQUESTS, MAX_REQUESTS);
  private static final Pattern NUMBER = Pattern.compile("\\d{1,6}");

  private MirrorLimitsAnnotation() {}

  static MirrorLimits parse(String value) throws InvalidMirrorConfigException {
    Map<String, String> settings =
        SettingList.parse(MIRROR_LIMITS, value, SETTINGS, "max-connections=100,max-requests=100");
    MirrorLimits defaults = MirrorLimits.DEFAULT;
    return new MirrorLimits(
        limit(value, settings, MAX_CONNECTIONS, defaults.maxConnections()),
        limit(value, settings, MAX_PENDING_REQUESTS, defaults.maxPendingRequests()),
        limit(value, settings, MAX_REQUESTS, defaults.maxRequests()));
  }

  private static int limit(String value, Map<String, String> settings, String name, int fallback)
      throws InvalidMirrorConfigException {
    String text = settings.get(name);
    if (text == null) {
      return fallback;
    }
    if (!NUMBER.matcher(text).matches() || Integer.parseInt(text) < 1 || Integer.parseInt(text) > MAX) {
      throw new InvalidMirrorConfigException(MIRROR_LIMITS, value,
          name + " \"" + text + "\" must be a whole number from 1 to " + MAX);
    }
    return Integer.parseInt(text);
  }
}
