package io.shadowmirroring.xds.testing;

import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.admin.MirrorEditor;
import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.DirectorySource;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A real server process on a directory that makes admin writes one after another, forever, for a test
 * to kill at random moments. Write {@code n} sets {@code mirror-percentage} of {@code svc-(n % services)} to
 * {@code n / 100}; after each write it prints {@code wrote n} on stdout.
 *
 * <p>Arguments: the directory, the number of Services ({@code svc-0} ...), the first {@code n}.
 */
public final class AdminWriterProcess {
  private AdminWriterProcess() {}

  /** The percentage that write {@code n} sets: n / 100, e.g. 157 is "1.57". */
  public static String percentage(long n) {
    return BigDecimal.valueOf(n).movePointLeft(2).toPlainString();
  }

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    int services = Integer.parseInt(args[1]);
    long first = Long.parseLong(args[2]);
    ShadowMirroringServer server = ShadowMirroringServer.start(ServerSettings.loopbackForTests(),
        new DirectorySource(directory, Duration.ofMillis(200)));
    FirstBuild.await(server);
    MirrorEditor editor = new MirrorEditor(server.source(), server.reconciler(), server.versions());
    System.out.println("ready");
    System.out.flush();
    for (long n = first; ; n++) {
      String value = percentage(n);
      editor.apply(new ServiceRef("shadow-demo", "svc-" + (n % services)), current -> {
        Map<String, String> next = new HashMap<>(current);
        next.put(MirrorAnnotations.MIRROR_PERCENTAGE, value);
        return next;
      }, false, Duration.ofSeconds(5));
      System.out.println("wrote " + n);
      System.out.flush();
    }
  }
}
