package io.shadowmirroring.xds.model;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An inventory's Services walked beside the last build's (both sorted by ref): each one paired with what
 * its ref became last time, and the refs that changed.
 *
 * @param services without duplicate refs (the first of them counts, as a map of refs would keep it)
 * @param prior at the same index, the last build's outputs for the ref; null for a new ref
 * @param changed the refs added, removed, or whose Service is not equal to the last one
 * @param byRef the Services by ref; null when nothing changed (the last build's map then holds)
 */
record ServiceWalk(ServiceInput[] services, MeshModelBuilder.ServiceOutputs[] prior, Set<ServiceRef> changed,
    Map<ServiceRef, ServiceInput> byRef) {

  int count() {
    return services.length;
  }

  static ServiceWalk beside(LastBuild was, List<ServiceInput> listed) {
    ServiceInput[] before = was.services;
    ServiceInput[] services = new ServiceInput[listed.size()];
    MeshModelBuilder.ServiceOutputs[] prior = new MeshModelBuilder.ServiceOutputs[listed.size()];
    Set<ServiceRef> changed = new HashSet<>();
    int count = 0;
    int o = 0;
    boolean previousMatched = false;
    for (ServiceInput service : listed) {
      boolean matches = o < before.length && service == before[o];
      // Two Services in a row that are the last build's two in a row cannot share a ref: no need to compare.
      if (count > 0 && !(matches && previousMatched) && services[count - 1].ref().equals(service.ref())) {
        continue;
      }
      MeshModelBuilder.ServiceOutputs paired = null;
      if (matches) {
        paired = was.outputs[o++];
      } else {
        while (o < before.length && before[o].ref().compareTo(service.ref()) < 0) {
          changed.add(before[o++].ref());
        }
        if (o < before.length && before[o].ref().equals(service.ref())) {
          if (!before[o].equals(service)) {
            changed.add(service.ref());
          }
          paired = was.outputs[o++];
        } else {
          changed.add(service.ref());
        }
      }
      prior[count] = paired;
      services[count++] = service;
      previousMatched = matches;
    }
    while (o < before.length) {
      changed.add(before[o++].ref());
    }
    if (count < services.length) {
      services = Arrays.copyOf(services, count);
      prior = Arrays.copyOf(prior, count);
    }
    Map<ServiceRef, ServiceInput> byRef = null;
    if (!changed.isEmpty()) {
      byRef = new HashMap<>(count * 4 / 3 + 1);
      for (ServiceInput service : services) {
        byRef.put(service.ref(), service);
      }
    }
    return new ServiceWalk(services, prior, changed, byRef);
  }
}
