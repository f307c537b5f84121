package io.shadowmirroring.bench;

import java.io.IOException;
import java.util.List;

/**
 * Where both servers read the {@link MeshFixture} from, written the way a user writes it: YAML files in
 * a directory, or objects in a (mock) API server. A change is written once and reaches both servers the
 * same way, through their own source.
 */
public interface InputFeed extends AutoCloseable {
  /** Writes every Service and slice. */
  void publishAll() throws IOException;

  /** Writes Service i again (its annotations changed). */
  void updateService(int i) throws IOException;

  /** Writes Service i's EndpointSlice again (its endpoints changed). */
  void updateSlice(int i) throws IOException;

  /** The xds-server's {@code --source} argument, and the baseline's. */
  String sourceArgument();

  /** Extra environment for a server process (a KUBECONFIG), as name=value pairs. */
  List<String> environment();

  @Override
  void close();
}
