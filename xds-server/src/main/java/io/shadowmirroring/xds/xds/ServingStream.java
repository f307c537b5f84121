package io.shadowmirroring.xds.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.shadowmirroring.xds.translate.ProxyProfile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One xDS stream, state-of-the-world or delta, on ADS or on a per-type service: what the client
 * subscribed to, what it was sent, what it ACKed, and its own make-before-break step towards its
 * profile's target. A slow, stuck or NACKing proxy so holds back only itself.
 *
 * <p>Requests arrive on the call's thread, targets on the publisher's, and readiness on the call's:
 * each takes this stream's lock, so everything it sends goes out in order. When the transport is not
 * ready (a client that does not read), nothing is queued: the next send, on readiness, is computed
 * from the latest state, so changes coalesce instead of piling up.
 */
final class ServingStream {
  private static final Logger LOG = LoggerFactory.getLogger(ServingStream.class);
  /**
   * The most resource names one stream may subscribe to per type (or name in one request). Five times
   * the ports of 10,000 Services, far beyond any real proxy; a request over it is refused.
   */
  static final int MAX_NAMES = 50_000;

  private final ProxyStream info;
  private final boolean delta;
  /** The type of a per-type service (CDS, EDS, ...); null on ADS, where each request names its type. */
  private final String fixedType;
  private final ServerCallStreamObserver<WireResponse> out;
  private final SnapshotPublisher publisher;
  private final ProxyRegistry registry;
  /** This stream's share of the bound on response bytes in flight across all streams. */
  private final StreamBudget budget;
  private final Map<String, TypeSubscription> subscriptions = new HashMap<>();
  private volatile ProxyProfile profile;
  private ResourceSet target;
  private ResourceSet held;
  private MakeBeforeBreak.Kind step = MakeBeforeBreak.Kind.FINAL;
  private long stepNumber;
  private Set<String> heldClusters = Set.of();
  /** {@link ResourceSet#namesKey} of a set whose cluster names are exactly {@link #heldClusters}; null if none. */
  private String heldClustersKey;
  private long nonce;
  private boolean closed;
  /** Clusters were sent on this stream: their assignments' versions a client claims may be stale for them. */
  private boolean clustersSent;
  /**
   * Assignments to send again once the client subscribes to EDS: their clusters changed before it did.
   * Empty and shared until needed, dropped once used (see {@link TypeSubscription}'s resend).
   */
  private Set<String> assignmentsToResend = Set.of();

  ServingStream(ProxyStream info, String fixedType, ServerCallStreamObserver<WireResponse> out,
      SnapshotPublisher publisher, ProxyRegistry registry, ResponseBudget budget) {
    this.info = info;
    this.delta = info.delta();
    this.fixedType = fixedType;
    this.out = out;
    this.publisher = publisher;
    this.registry = registry;
    this.budget = budget.open(out, this::onReady);
    out.setOnReadyHandler(this::onReady);
    out.setOnCancelHandler(this::close);
  }

  ProxyStream info() {
    return info;
  }

  void onSotw(SotwRequest wire) {
    DiscoveryRequest request = wire.message();
    Optional<String> type = type(request.getTypeUrl());
    if (type.isEmpty() || !tooMany(wire.namesCount(), "names in one request") || !identify(wire)) {
      return;
    }
    synchronized (this) {
      if (!closed && sotwRequest(type.get(), request, wire)) {
        pump();
      }
    }
  }

  void onDelta(DeltaDiscoveryRequest request) {
    Optional<String> type = type(request.getTypeUrl());
    if (type.isEmpty()
        || !tooMany(request.getResourceNamesSubscribeCount(), "names to subscribe in one request")
        || !tooMany(request.getInitialResourceVersionsCount(), "initial resource versions")
        || !identify(request.hasNode() ? request.getNode() : null)) {
      return;
    }
    synchronized (this) {
      if (!closed && deltaRequest(type.get(), request)) {
        pump();
      }
    }
  }

  /** A newer target for the stream's profile, from the publisher. */
  synchronized void target(ResourceSet next) {
    if (closed || (target != null && next.generation() < target.generation())) {
      return;
    }
    target = next;
    if (held == null) {
      // Nothing was sent yet: clusters and routes go together, as at any proxy's start.
      hold(next, MakeBeforeBreak.Kind.FINAL);
    } else {
      moveTowardTarget();
    }
    pump();
  }

  /** The stream went away (cancel, half-close or error): forget it everywhere. */
  void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    cleanUp();
  }

  /** Called by the publisher when a step has waited for longer than the ack wait. */
  synchronized void stepOverdue(long number, long waitedMillis) {
    if (!closed && step != MakeBeforeBreak.Kind.FINAL && stepNumber == number) {
      registry.stepOverdue(info, step.name(), waitedMillis);
    }
  }

  private void onReady() {
    synchronized (this) {
      budget.onReady();
      pump();
    }
  }

  // --- requests -------------------------------------------------------------------------------

  private Optional<String> type(String requested) {
    String type = fixedType != null && requested.isEmpty() ? fixedType : requested;
    if (!XdsTypes.served(type) || (fixedType != null && !fixedType.equals(type))) {
      refuse(Status.INVALID_ARGUMENT.withDescription("type URL \"" + requested + "\" is not served "
          + (fixedType != null ? "by this service, which serves " + fixedType : "here; served: " + XdsTypes.SERVED)),
          "unknown_type");
      return Optional.empty();
    }
    return Optional.of(type);
  }

  private boolean tooMany(int count, String what) {
    if (count > MAX_NAMES) {
      refuse(Status.RESOURCE_EXHAUSTED.withDescription(count + " " + what + ": at most " + MAX_NAMES
          + " per stream and type"), "too_many_names");
      return false;
    }
    return true;
  }

  /** A SotW request's node is decoded for the stream's first request only. */
  private boolean identify(SotwRequest wire) {
    if (profile != null) {
      return true;
    }
    Node node;
    try {
      node = wire.hasNode() ? wire.node() : null;
    } catch (InvalidProtocolBufferException e) {
      refuse(Status.INVALID_ARGUMENT.withDescription("node: " + e.getMessage()), "bad_node");
      return false;
    }
    return identify(node);
  }

  /** On the first request: who the client is, and so which profile's target it follows. */
  private boolean identify(Node node) {
    if (profile != null) {
      return true;
    }
    Node identity = node == null ? Node.getDefaultInstance() : node;
    ProxyProfile chosen = registry.identify(info, identity);
    Optional<ResourceSet> first;
    try {
      first = publisher.attach(this, chosen);
    } catch (SnapshotPublisher.ProfileLimitException e) {
      refuse(Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()), "too_many_profiles");
      return false;
    }
    synchronized (this) {
      profile = chosen;
      if (closed) {
        // Closed while attaching: the clean-up may have missed the profile.
        publisher.detach(this, chosen);
        return false;
      }
    }
    first.ifPresent(this::target);
    return true;
  }

  /** Records an ACK or NACK and the subscription; true when something may have to be sent. */
  private boolean sotwRequest(String type, DiscoveryRequest request, SotwRequest wire) {
    TypeSubscription sub = subscriptions.get(type);
    boolean first = sub == null;
    if (first) {
      sub = new TypeSubscription(type);
      subscriptions.put(type, sub);
    }
    String answered = request.getResponseNonce();
    if (request.hasErrorDetail()) {
      registry.nacked(info, type, sub.versionOf(answered), request.getErrorDetail().getMessage());
    } else if (!answered.isEmpty()) {
      // A SotW request carries the version the client now holds, also for an older nonce. Usually the
      // version just sent: that String, not the request's copy of it, is kept (here and in the registry),
      // so an idle stream holds no version text of its own.
      String holds = request.getVersionInfo();
      sub.ackedVersion = holds.equals(sub.sentVersion) ? sub.sentVersion : holds;
      registry.acked(info, type, sub.ackedVersion);
    } else if (first && !request.getVersionInfo().isEmpty()) {
      sub.claimedVersion = request.getVersionInfo();
    }
    if (!first && !sub.wildcard && sub.namesBytes != null && wire.namesEqual(sub.namesBytes)) {
      // The very bytes of the names the subscription was set from: an ACK or NACK that repeats them.
      return true;
    }
    SharedNames.Names known = publisher.sharedNames().ofWire(wire);
    if (known != null) {
      // The very bytes of names that set another subscription, so those names (never "*" or none).
      if (first || sub.wildcard || !sub.names.equals(known.set())) {
        sub.wildcard = false;
        sub.names(known.set());
      }
      sub.namesBytes = known.wire();
      return true;
    }
    List<String> names;
    try {
      names = wire.names();
    } catch (InvalidProtocolBufferException e) {
      refuse(Status.INVALID_ARGUMENT.withDescription("resource_names: " + e.getMessage()), "bad_names");
      return false;
    }
    if (!first && unchanged(sub, names)) {
      // An ACK or NACK repeats the names: nothing to do, and every cache of the subscription stays.
      return true;
    }
    if (names.contains("*") || (names.isEmpty() && XdsTypes.emptyMeansWildcard(type) && (first || sub.wildcard))) {
      sub.wildcard = true;
      sub.namesBytes = null;
      sub.replaceNames(Set.copyOf(names.stream().filter(n -> !n.equals("*")).toList()));
    } else {
      sub.wildcard = false;
      SharedNames.Names shared = publisher.sharedNames().of(names, wire.namesBytes());
      sub.namesBytes = shared.wire();
      sub.names(shared.set());
    }
    return true;
  }

  /**
   * True when the names ask for exactly the subscription there is. Compared with the names held, not
   * with the previous request's list: kept per stream, 10,000 names cost about 1 MB (bench scenario 6).
   */
  private static boolean unchanged(TypeSubscription sub, List<String> names) {
    if (sub.wildcard) {
      boolean stillWildcard = names.isEmpty() ? XdsTypes.emptyMeansWildcard(sub.typeUrl)
          : names.size() == 1 && names.get(0).equals("*");
      return stillWildcard && sub.names.isEmpty();
    }
    return names.size() == sub.names.size() && !names.isEmpty() && !names.contains("*")
        && sub.names.containsAll(names);
  }

  private boolean deltaRequest(String type, DeltaDiscoveryRequest request) {
    TypeSubscription sub = subscriptions.get(type);
    boolean first = sub == null;
    if (first) {
      sub = new TypeSubscription(type);
      subscriptions.put(type, sub);
      // What the client already holds after a reconnect: only differences are sent, and the names it
      // holds that no longer exist are sent as removed. java-control-plane misses the removals
      // (envoyproxy/java-control-plane#463).
      Map<String, PreparedResource> holds = new TreeMap<>();
      request.getInitialResourceVersionsMap().forEach((name, version) ->
          holds.put(name, new PreparedResource(name, version, null, null)));
      sub.sent = holds;
      if (type.equals(XdsTypes.ENDPOINT)) {
        assignmentsToResend.stream().filter(holds::containsKey).forEach(sub::resend);
        assignmentsToResend = Set.of();
      }
      sub.wildcard = request.getResourceNamesSubscribeCount() == 0 && XdsTypes.emptyMeansWildcard(type);
      sub.replaceNames(new HashSet<>());
    }
    String answered = request.getResponseNonce();
    if (request.hasErrorDetail()) {
      registry.nacked(info, type, sub.versionOf(answered), request.getErrorDetail().getMessage());
    } else if (!answered.isEmpty()) {
      String version = sub.versionOf(answered);
      if (!version.isEmpty()) {
        sub.ackedVersion = version;
        registry.acked(info, type, version);
      }
    }
    if (request.getResourceNamesSubscribeCount() > 0 || request.getResourceNamesUnsubscribeCount() > 0) {
      Set<String> names = new HashSet<>(sub.names);
      for (String name : request.getResourceNamesSubscribeList()) {
        if (name.equals("*")) {
          sub.wildcard = true;
        } else {
          names.add(name);
        }
      }
      Map<String, PreparedResource> sent = new TreeMap<>(sub.sent);
      for (String name : request.getResourceNamesUnsubscribeList()) {
        if (name.equals("*")) {
          sub.wildcard = false;
        } else {
          names.remove(name);
          // The client forgets what it unsubscribed from; subscribing again sends it again.
          sent.remove(name);
        }
      }
      if (!tooManyLocked(names.size())) {
        return false;
      }
      sub.replaceNames(names);
      sub.sent = sent;
    }
    return true;
  }

  private boolean tooManyLocked(int count) {
    if (count > MAX_NAMES) {
      refuseLocked(Status.RESOURCE_EXHAUSTED.withDescription(count + " subscribed names: at most " + MAX_NAMES
          + " per stream and type"), "too_many_names");
      return false;
    }
    return true;
  }

  // --- steps ----------------------------------------------------------------------------------

  private void hold(ResourceSet next, MakeBeforeBreak.Kind kind) {
    held = next;
    step = kind;
    Set<String> clusters = next.resources(XdsTypes.CLUSTER).keySet();
    String clustersKey = next.namesKey(XdsTypes.CLUSTER);
    if (clustersKey.equals(heldClustersKey)) {
      // The same names as held (an endpoint or route change): the set's own names, compared by key,
      // so that advance() has nothing to check and this costs no lookup per cluster.
      heldClusters = clusters;
    } else if (!clusters.containsAll(heldClusters)) {
      Set<String> kept = new HashSet<>(heldClusters);
      kept.retainAll(clusters);
      heldClusters = kept;
      heldClustersKey = null;
    }
    info.served(next);
    if (kind != MakeBeforeBreak.Kind.FINAL) {
      publisher.watchStep(this, ++stepNumber);
    }
  }

  private void moveTowardTarget() {
    MakeBeforeBreak.Kind kind = MakeBeforeBreak.next(held, heldClusters, target);
    hold(publisher.step(profile, kind, held, target), kind);
  }

  /** Moves on once the step's resources are ACKed; true when it did, so there is more to send. */
  private boolean advance() {
    switch (step) {
      case FINAL -> {
        if (heldClusters != held.resources(XdsTypes.CLUSTER).keySet() && clustersHeld()) {
          holdClusters();
        }
        return false;
      }
      case WARM_CLUSTERS -> {
        if (!clustersHeld()) {
          return false;
        }
        holdClusters();
        moveTowardTarget();
        return true;
      }
      default -> {
        if (!routesHeld()) {
          return false;
        }
        moveTowardTarget();
        return true;
      }
    }
  }

  /** The client holds every cluster of the step it holds, endpoints included. */
  private void holdClusters() {
    heldClusters = held.resources(XdsTypes.CLUSTER).keySet();
    heldClustersKey = held.namesKey(XdsTypes.CLUSTER);
  }

  /**
   * True when the client ACKed the clusters it asked for and the endpoints of each. A client that
   * names its clusters (proxyless gRPC) asks only for those its routes use, so it cannot be sent a
   * cluster ahead of its route: there is nothing to wait for.
   */
  private boolean clustersHeld() {
    return parentAndChildrenHeld(XdsTypes.CLUSTER, XdsTypes.ENDPOINT);
  }

  /** True when the client ACKed its listeners and the route configurations they name. */
  private boolean routesHeld() {
    return parentAndChildrenHeld(XdsTypes.LISTENER, XdsTypes.ROUTE);
  }

  private boolean parentAndChildrenHeld(String parentType, String childType) {
    TypeSubscription parent = subscriptions.get(parentType);
    if (parent == null || !parent.wildcard) {
      return true;
    }
    SortedMap<String, PreparedResource> parents = parent.select(held);
    if (!parent.holds(parents)) {
      return false;
    }
    TypeSubscription child = subscriptions.get(childType);
    if (child == null) {
      return true;
    }
    boolean covered;
    if (parents == held.resources(parentType)) {
      covered = child.coversAllChildren(held, parentType);
    } else {
      Set<String> needed = new HashSet<>();
      for (String name : parents.keySet()) {
        needed.addAll(held.children(parentType, name));
      }
      covered = child.covers(needed);
    }
    return covered && child.holds(child.select(held));
  }

  // --- responses ------------------------------------------------------------------------------

  private void pump() {
    // Readiness paces a client that does not read; a stream that was sent nothing yet is not held back
    // by it (its transport may not count as ready before its first response), so the first answers
    // never wait for an onReady that may have come already.
    // The response budget then bounds the bytes in flight across all streams, first answers included.
    if (closed || held == null || (nonce > 0 && !out.isReady()) || !budget.admit()) {
      return;
    }
    // A step whose resources are already held moves on at once; three rounds reach the target.
    for (int round = 0; round < 3; round++) {
      for (String type : XdsTypes.SERVED) {
        TypeSubscription sub = subscriptions.get(type);
        if (sub != null) {
          if (delta) {
            sendDelta(sub);
          } else {
            sendSotw(sub);
          }
        }
      }
      if (!advance()) {
        return;
      }
    }
  }

  private void sendSotw(TypeSubscription sub) {
    String type = sub.typeUrl;
    SortedMap<String, PreparedResource> all = held.resources(type);
    SortedMap<String, PreparedResource> selected = sub.select(held);
    if (unchanged(sub, selected)) {
      return;
    }
    String version = version(type, all, selected);
    if (!sub.claimedVersion.isEmpty()) {
      // A reconnecting client that holds exactly this already is not sent it again; but assignments go
      // out again when clusters were just sent, since a changed cluster warms only with its assignment.
      boolean stale = type.equals(XdsTypes.ENDPOINT) && clustersSent;
      if (sub.claimedVersion.equals(version) && !stale) {
        sub.sent = selected;
        sub.sentVersion = version;
        sub.ackedVersion = version;
        sub.answered = true;
        registry.acked(info, type, version);
      }
      sub.claimedVersion = "";
    }
    if (XdsTypes.fullState(type)) {
      if (version.equals(sub.sentVersion)) {
        sub.sent = selected;
        return;
      }
      if (type.equals(XdsTypes.CLUSTER)) {
        resendAssignmentsOfChangedClusters(sub.sent, selected);
        clustersSent = true;
      }
      respondSotw(sub, version, new ArrayList<>(selected.values()), true);
      sub.sent = selected;
      return;
    }
    List<PreparedResource> changed = changed(sub, selected, all);
    if (!changed.isEmpty()) {
      respondSotw(sub, version, changed, changed.size() == selected.size());
    }
    sub.sent = selected;
  }

  private void sendDelta(TypeSubscription sub) {
    String type = sub.typeUrl;
    SortedMap<String, PreparedResource> all = held.resources(type);
    SortedMap<String, PreparedResource> selected = sub.select(held);
    if (unchanged(sub, selected)) {
      return;
    }
    List<PreparedResource> changed = changed(sub, selected, all);
    List<String> removed = new ArrayList<>();
    if (sub.sent != selected) {
      // The common case, a stream holding the whole type, is computed once per change for all streams.
      Iterable<String> gone = selected == all ? held.removedSince(type, sub.sent) : sub.sent.keySet();
      for (String name : gone) {
        if (!selected.containsKey(name) && (sub.wildcard || sub.names.contains(name))) {
          removed.add(name);
        }
      }
    }
    // The first answer to a wildcard subscription goes out even when empty: the client's init waits for it.
    if (changed.isEmpty() && removed.isEmpty() && (sub.answered || !sub.wildcard)) {
      sub.sent = selected;
      return;
    }
    if (type.equals(XdsTypes.CLUSTER)) {
      resendAssignmentsOfChangedClusters(sub.sent, selected);
    }
    String version = version(type, all, selected);
    String sentNonce = Long.toString(++nonce);
    budget.send(WireResponse.withNonce(publisher.bodies().delta(type, version, changed, removed), sentNonce));
    sub.sent = selected;
    sub.sent(sentNonce, version);
    registry.sent(info, type, version, sentNonce);
  }

  /**
   * True when this type has nothing to send: the client was last handled with this very map (maps are
   * per set, subsets fresh per call, so the same map is the same content and version) and nothing
   * waits to go again. Each pump walks every type; a type that did not change costs no more than this.
   */
  private static boolean unchanged(TypeSubscription sub, SortedMap<String, PreparedResource> selected) {
    return sub.sent == selected && !sub.resendPending() && sub.claimedVersion.isEmpty()
        && (sub.answered || !sub.wildcard);
  }

  /** What the client lacks or holds in another version, plus assignments to resend. */
  private List<PreparedResource> changed(TypeSubscription sub, SortedMap<String, PreparedResource> selected,
      SortedMap<String, PreparedResource> all) {
    if (!sub.resendPending() && sub.sent == selected) {
      return List.of();
    }
    if (!sub.resendPending() && selected == all) {
      // The common case, shared by the streams of a profile: computed once per change.
      return held.changedSince(sub.typeUrl, sub.sent);
    }
    List<PreparedResource> changed = new ArrayList<>();
    for (PreparedResource resource : selected.values()) {
      PreparedResource had = sub.sent.get(resource.name());
      // Prepared resources are shared, so an unchanged one is usually the very same object.
      if (had != resource && (had == null || !had.hash().equals(resource.hash()))
          || sub.resends(resource.name())) {
        changed.add(resource);
      }
    }
    sub.resendDone();
    return changed;
  }

  /**
   * A cluster that is new or changed warms only once its ClusterLoadAssignment is sent again, even
   * when the assignment itself did not change (envoyproxy/envoy docs/root/api-docs/xds_protocol.rst,
   * "Resource warming"; envoyproxy/envoy#13009). So the assignments of such clusters go out again,
   * right after the clusters.
   */
  private void resendAssignmentsOfChangedClusters(Map<String, PreparedResource> before,
      SortedMap<String, PreparedResource> after) {
    if (before.isEmpty()) {
      return;
    }
    TypeSubscription endpoints = subscriptions.get(XdsTypes.ENDPOINT);
    List<PreparedResource> changedClusters = after == held.resources(XdsTypes.CLUSTER)
        ? held.changedSince(XdsTypes.CLUSTER, before) : new ArrayList<>(after.values());
    for (PreparedResource cluster : changedClusters) {
      PreparedResource had = before.get(cluster.name());
      if (had == null || !had.hash().equals(cluster.hash())) {
        for (String assignment : held.children(XdsTypes.CLUSTER, cluster.name())) {
          if (endpoints == null) {
            if (delta) {
              // A reconnecting delta client says what it holds per type; its EDS request may come later.
              if (assignmentsToResend.isEmpty()) {
                assignmentsToResend = new HashSet<>();
              }
              assignmentsToResend.add(assignment);
            }
          } else if (endpoints.sent.containsKey(assignment)) {
            endpoints.resend(assignment);
          }
        }
      }
    }
  }

  private String version(String type, SortedMap<String, PreparedResource> all,
      SortedMap<String, PreparedResource> selected) {
    return selected == all ? held.version(type)
        : ContentVersion.ofHashes(selected.values().stream().map(PreparedResource::hash).toList());
  }

  private void respondSotw(TypeSubscription sub, String version, List<PreparedResource> resources, boolean whole) {
    byte[] body = publisher.bodies().sotw(sub.typeUrl, version, resources, whole);
    String sentNonce = Long.toString(++nonce);
    budget.send(WireResponse.withNonce(body, sentNonce));
    sub.sent(sentNonce, version);
    registry.sent(info, sub.typeUrl, version, sentNonce);
  }

  // --- ending ---------------------------------------------------------------------------------

  private void refuse(Status status, String reason) {
    synchronized (this) {
      refuseLocked(status, reason);
    }
  }

  private void refuseLocked(Status status, String reason) {
    if (closed) {
      return;
    }
    closed = true;
    registry.refused(info, reason, status.getDescription());
    try {
      out.onError(status.asRuntimeException());
    } catch (RuntimeException e) {
      LOG.debug("xDS stream {}: could not send its refusal: {}", info.streamId(), e.getMessage());
    }
    cleanUp();
  }

  private void cleanUp() {
    budget.close();
    ProxyProfile attached = profile;
    if (attached != null) {
      publisher.detach(this, attached);
    }
    registry.closed(info);
  }
}
