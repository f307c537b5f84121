package io.shadowmirroring.xds.testing;

import io.shadowmirroring.xds.source.ProblemReporter;
import io.shadowmirroring.xds.source.ServiceEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every Event reported, where a directory source would have nowhere to put them. */
public final class RecordingReporter implements ProblemReporter {
  public final List<ServiceEvent> events = new CopyOnWriteArrayList<>();

  @Override
  public void report(ServiceEvent event) {
    events.add(event);
  }
}
