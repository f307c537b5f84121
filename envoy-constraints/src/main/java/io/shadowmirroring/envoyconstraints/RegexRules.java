package io.shadowmirroring.envoyconstraints;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;

/**
 * Envoy compiles every {@code safe_regex} (a RegexMatcher, wherever it sits) with RE2 when it loads
 * the config and rejects one that does not compile (source/common/common/regex.cc,
 * {@code CompiledGoogleReMatcher}). RE2J accepts the same syntax as RE2. Envoy's limit on the RE2
 * program size is not checked here: RE2J does not expose it.
 */
final class RegexRules {
  private RegexRules() {}

  static void check(RegexMatcher matcher, String path) {
    try {
      Pattern.compile(matcher.getRegex());
    } catch (PatternSyntaxException e) {
      throw new AssertionError(path + ".regex: not a valid RE2 regex \"" + matcher.getRegex() + "\": "
          + e.getMessage(), e);
    }
  }
}
