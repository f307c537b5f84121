package io.shadowmirroring.xds.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code setting=value,setting=value} syntax shared by the annotations that carry several settings
 * ({@code mirror-limits}, {@code analysis}). Only the syntax lives here; each annotation checks its values.
 */
final class SettingList {
  private SettingList() {}

  /**
   * Returns the settings in the order written, trimmed.
   *
   * @throws InvalidMirrorConfigException for an empty entry, an entry without '=', an unknown or a repeated
   *     setting
   */
  static Map<String, String> parse(String key, String value, List<String> known, String example)
      throws InvalidMirrorConfigException {
    Map<String, String> settings = new LinkedHashMap<>();
    for (String raw : value.split(",", -1)) {
      String entry = raw.trim();
      int equals = entry.indexOf('=');
      if (equals <= 0) {
        throw new InvalidMirrorConfigException(key, value, "malformed setting \"" + entry
            + "\"; write setting=value pairs, comma-separated, like " + example);
      }
      String name = entry.substring(0, equals).trim();
      if (!known.contains(name)) {
        throw new InvalidMirrorConfigException(key, value, "unknown setting \"" + name + "\"; known settings are "
            + String.join(", ", known));
      }
      if (settings.put(name, entry.substring(equals + 1).trim()) != null) {
        throw new InvalidMirrorConfigException(key, value, "duplicate setting \"" + name + "\"");
      }
    }
    return settings;
  }
}
