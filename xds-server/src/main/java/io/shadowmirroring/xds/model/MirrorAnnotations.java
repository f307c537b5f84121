package io.shadowmirroring.xds.model;

import java.util.List;

/** The annotation keys that make up the product's user interface. */
public final class MirrorAnnotations {
  public static final String PREFIX = "shadow-mirroring.io/";
  public static final String MIRROR_TO = PREFIX + "mirror-to";
  public static final String MIRROR_PERCENTAGE = PREFIX + "mirror-percentage";
  public static final String MIRROR_METHODS = PREFIX + "mirror-methods";
  public static final String PROMOTE = PREFIX + "promote";
  public static final String KEEP_HOST = PREFIX + "keep-host";
  public static final String MIRROR_LIMITS = PREFIX + "mirror-limits";
  public static final String ANALYSIS = PREFIX + "analysis";
  public static final String AUTO_PROMOTE = PREFIX + "auto-promote";
  public static final String AUTO_ABORT = PREFIX + "auto-abort";

  /** {@code "true"} puts a Service that mirrors nothing in scope under {@code --expose mirrored}. */
  public static final String EXPOSE = PREFIX + "expose";

  /** Every key this version understands; any other key under the prefix is rejected as a likely typo. */
  public static final List<String> KNOWN_KEYS =
      List.of(MIRROR_TO, MIRROR_PERCENTAGE, MIRROR_METHODS, PROMOTE, KEEP_HOST, MIRROR_LIMITS, ANALYSIS,
          AUTO_PROMOTE, AUTO_ABORT, EXPOSE);

  /** Far longer than any sensible value; longer ones are rejected rather than parsed. */
  public static final int MAX_VALUE_LENGTH = 2048;

  private MirrorAnnotations() {}
}
