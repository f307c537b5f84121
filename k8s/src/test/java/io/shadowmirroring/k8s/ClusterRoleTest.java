package io.shadowmirroring.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.shadowmirroring.xds.source.LeaseSettings;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The xds-server gets exactly the API access it uses, in the raw manifest and in the chart. */
class ClusterRoleTest {

  /** apiGroup, resource, verbs: one line per rule, as the xds-server's contract lists them. */
  private static final List<Rule> EXPECTED = List.of(
      new Rule("", "services", List.of("get", "list", "watch")),
      new Rule("discovery.k8s.io", "endpointslices", List.of("get", "list", "watch")),
      new Rule("", "services", List.of("patch")),
      new Rule("", "events", List.of("create", "patch")));

  /**
   * The Lease of leader election, in the server's own namespace only: fabric8's LeaseLock gets it,
   * creates it once and renews it with a patch. Create cannot be narrowed to a name.
   */
  private static final List<NamedRule> EXPECTED_IN_NAMESPACE = List.of(
      new NamedRule("coordination.k8s.io", "leases", List.of(), List.of("create")),
      new NamedRule("coordination.k8s.io", "leases", List.of(LeaseSettings.DEFAULT_NAME), List.of("get", "patch")));

  record Rule(String apiGroup, String resource, List<String> verbs) {
  }

  record NamedRule(String apiGroup, String resource, List<String> resourceNames, List<String> verbs) {
  }

  /** Where the RBAC objects come from, and the namespace the xds-server runs in there. */
  record Source(String name, KubeObjects objects, String namespace) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Source> sources() {
    return Stream.of(
        new Source("k8s/manifests/xds-server.yaml", KubeObjects.parse(RepoFiles.manifest("xds-server.yaml")),
            "shadow-mirroring"),
        new Source("helm chart", HelmChart.render(Map.of()), HelmChart.NAMESPACE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sources")
  void theClusterRoleHasExactlyTheRulesTheXdsServerNeeds(Source source) {
    ClusterRole role = source.objects().all(ClusterRole.class).get(0);

    assertThat(source.objects().all(ClusterRole.class)).hasSize(1);
    assertThat(role.getRules()).allSatisfy(ClusterRoleTest::isPlainRule);
    assertThat(role.getRules().stream()
        .map(r -> new Rule(r.getApiGroups().get(0), r.getResources().get(0), r.getVerbs())))
        .containsExactlyElementsOf(EXPECTED);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sources")
  void theBindingGivesThatRoleToTheServiceAccountTheXdsServerRunsAs(Source source) {
    ClusterRole role = source.objects().all(ClusterRole.class).get(0);
    ClusterRoleBinding binding = source.objects().all(ClusterRoleBinding.class).get(0);
    Deployment server = source.objects().get(Deployment.class, "xds-server");

    assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
      assertThat(subject.getKind()).isEqualTo("ServiceAccount");
      assertThat(subject.getName()).isEqualTo(server.getSpec().getTemplate().getSpec().getServiceAccountName());
      assertThat(subject.getNamespace()).isEqualTo(source.namespace());
    });
    assertThat(server.getMetadata().getNamespace()).isEqualTo(source.namespace());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sources")
  void theLeaseRoleIsNamespacedAndBoundToTheXdsServer(Source source) {
    Role role = source.objects().all(Role.class).get(0);
    RoleBinding binding = source.objects().all(RoleBinding.class).get(0);
    Deployment server = source.objects().get(Deployment.class, "xds-server");

    assertThat(source.objects().all(Role.class)).hasSize(1);
    assertThat(role.getMetadata().getNamespace()).isEqualTo(source.namespace());
    assertThat(role.getRules().stream().map(r -> new NamedRule(r.getApiGroups().get(0), r.getResources().get(0),
        r.getResourceNames() == null ? List.of() : r.getResourceNames(), r.getVerbs())))
        .containsExactlyElementsOf(EXPECTED_IN_NAMESPACE);
    assertThat(binding.getMetadata().getNamespace()).isEqualTo(source.namespace());
    assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
      assertThat(subject.getKind()).isEqualTo("ServiceAccount");
      assertThat(subject.getName()).isEqualTo(server.getSpec().getTemplate().getSpec().getServiceAccountName());
      assertThat(subject.getNamespace()).isEqualTo(source.namespace());
    });
    // The server puts its Lease in $POD_NAMESPACE (the Role's namespace) under $POD_NAME.
    assertThat(server.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .filteredOn(e -> e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null)
        .extracting(EnvVar::getName, e -> e.getValueFrom().getFieldRef().getFieldPath())
        .contains(org.assertj.core.groups.Tuple.tuple("POD_NAMESPACE", "metadata.namespace"),
            org.assertj.core.groups.Tuple.tuple("POD_NAME", "metadata.name"));
  }

  /** One group and one resource per rule, no wildcards, no resourceNames or URLs to widen it. */
  private static void isPlainRule(PolicyRule rule) {
    assertThat(rule.getApiGroups()).hasSize(1);
    assertThat(rule.getResources()).hasSize(1).doesNotContain("*");
    assertThat(rule.getVerbs()).doesNotContain("*");
    assertThat(rule.getResourceNames()).isNullOrEmpty();
    assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
  }
}
