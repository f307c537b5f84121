package io.shadowmirroring.k8s;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.util.Map;

/**
 * The chart, rendered in-process by an embedded Helm (helm-java), as
 * {@code helm template shadow-demo ./k8s/helm/shadow-mirroring -n shadow-demo --set ...} would.
 */
final class HelmChart {

  /** The seed installs the release under this name, into a namespace of the same name. */
  static final String RELEASE = "shadow-demo";
  static final String NAMESPACE = "shadow-demo";

  private HelmChart() {
  }

  /** Renders with {@code --set key=value} for each entry. */
  static String renderText(Map<String, String> values) {
    TemplateCommand template = new Helm(RepoFiles.chart()).template()
        .withName(RELEASE)
        .withNamespace(NAMESPACE);
    values.forEach(template::set);
    return template.call();
  }

  static KubeObjects render(Map<String, String> values) {
    return KubeObjects.parse(renderText(values));
  }

  static KubeObjects render(SeedStep step) {
    return render(step.helmSets());
  }

  /**
   * Renders values the chart must refuse and returns Helm's message.
   *
   * @throws AssertionError if the chart renders them
   */
  static String renderError(Map<String, String> values) {
    try {
      renderText(values);
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
    throw new AssertionError("the chart rendered " + values + " but should have refused it");
  }

  /** The NOTES Helm prints after an install, from a client-only dry run (no cluster involved). */
  static String notes(Map<String, String> values) {
    InstallCommand install = new Helm(RepoFiles.chart()).install()
        .withName(RELEASE)
        .withNamespace(NAMESPACE)
        .clientOnly()
        .dryRun();
    values.forEach(install::set);
    String output = install.call().getOutput();
    return output.substring(output.indexOf("NOTES:"));
  }

  static LintResult lintStrict() {
    return new Helm(RepoFiles.chart()).lint().strict().call();
  }
}
