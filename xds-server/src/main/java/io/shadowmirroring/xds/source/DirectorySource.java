package io.shadowmirroring.xds.source;

import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.ServiceInput;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.model.EndpointSliceInput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of Kubernetes YAML files (*.yaml, *.yml, in subdirectories too), watched for changes.
 *
 * <p>It polls rather than relying on inotify: editors that replace files, bind-mounted ConfigMaps
 * (symlink swaps) and network filesystems all show up the same way. A change is a change of content
 * (a SHA-256 of the bytes), not of size or modification time: an atomic rewrite of {@code 25} to
 * {@code 50} keeps the size, and within one mtime tick it keeps the time too. Hashing a directory of
 * manifests costs little next to the poll interval. A file that fails to parse is reported in one line
 * and its last good content is kept, so a typo mid-edit never takes a Service away from the proxies.
 */
public final class DirectorySource implements ConfigSource {
  private static final Logger LOG = LoggerFactory.getLogger(DirectorySource.class);

  private final Path directory;
  private final Duration pollInterval;
  private final YamlManifests manifests = new YamlManifests();
  private final Map<Path, FileState> files = new TreeMap<>();
  private final Map<Path, String> errors = new HashMap<>();
  private final Set<String> reportedDuplicates = new HashSet<>();
  private final AnnotationWriter writer = new DirectoryAnnotationWriter(this);
  private ScheduledExecutorService poller;
  private volatile Runnable onChange = () -> { };
  private volatile boolean synced;

  private record FileState(String sha256, YamlManifests.Contents contents) {}

  public DirectorySource(Path directory, Duration pollInterval) {
    this.directory = directory.toAbsolutePath().normalize();
    this.pollInterval = pollInterval;
  }

  @Override
  public void start(Runnable onChange) throws IOException {
    if (!Files.isDirectory(directory)) {
      throw new IOException("--source " + directory + " is not a directory");
    }
    this.onChange = onChange;
    scan();
    synced = true;
    poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "directory-source");
      thread.setDaemon(true);
      return thread;
    });
    poller.scheduleWithFixedDelay(() -> {
      try {
        if (scan()) {
          onChange.run();
        }
      } catch (RuntimeException e) {
        LOG.warn("could not scan {}: {}", directory, e.getMessage());
      }
    }, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
    onChange.run();
  }

  /** Re-reads the directory now, e.g. right after a write, and tells the listener if anything changed. */
  void rescanNow() {
    if (scan()) {
      onChange.run();
    }
  }

  /** Re-reads changed files; returns true when anything changed. */
  synchronized boolean scan() {
    Map<Path, byte[]> present = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.filter(DirectorySource::isYaml).toList()) {
        try {
          present.put(path, Files.readAllBytes(path));
        } catch (IOException e) {
          // Removed between the listing and the read: it is simply gone.
        }
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("could not list {}: {}", directory, e.getMessage());
      return false;
    }
    boolean changed = files.keySet().retainAll(present.keySet());
    changed |= loadAll(present);
    if (changed) {
      reportDuplicates();
    }
    return changed;
  }

  private boolean loadAll(Map<Path, byte[]> present) {
    boolean changed = false;
    errors.keySet().retainAll(present.keySet());
    for (Map.Entry<Path, byte[]> entry : present.entrySet()) {
      Path path = entry.getKey();
      String hash = sha256(entry.getValue());
      FileState known = files.get(path);
      if (known != null && known.sha256().equals(hash)) {
        continue;
      }
      changed |= load(path, entry.getValue(), hash, known);
    }
    return changed;
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  // Two files defining one Service is almost always a copy-paste slip; the first file (by path) wins.
  private void reportDuplicates() {
    Map<ServiceRef, List<String>> where = new TreeMap<>();
    files.forEach((path, state) -> state.contents().services().forEach(service ->
        where.computeIfAbsent(service.ref(), k -> new ArrayList<>()).add(directory.relativize(path).toString())));
    Set<String> current = new HashSet<>();
    where.forEach((ref, paths) -> {
      if (paths.size() > 1) {
        String message = "service " + ref + " is defined in more than one file " + paths + "; using " + paths.get(0);
        current.add(message);
        if (!reportedDuplicates.contains(message)) {
          LOG.warn(message);
        }
      }
    });
    reportedDuplicates.clear();
    reportedDuplicates.addAll(current);
  }

  private boolean load(Path path, byte[] bytes, String hash, FileState known) {
    String relative = directory.relativize(path).toString();
    try {
      // Strict, as Files.readString is: a file that is not UTF-8 is an error, not silently mangled.
      String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
      YamlManifests.Contents contents = manifests.parse(text);
      files.put(path, new FileState(hash, contents));
      if (errors.remove(path) != null) {
        LOG.info("{}: readable again", relative);
      }
      return known == null || !known.contents().equals(contents);
    } catch (CharacterCodingException e) {
      return reject(path, relative, hash, known, "cannot read: not UTF-8");
    } catch (YamlManifests.ManifestException e) {
      return reject(path, relative, hash, known, e.getMessage());
    }
  }

  private boolean reject(Path path, String relative, String hash, FileState known, String reason) {
    String message = relative + ": " + reason + (known == null ? "" : " (keeping its last readable content)");
    if (!message.equals(errors.put(path, message))) {
      LOG.warn(message);
    }
    YamlManifests.Contents kept = known == null ? YamlManifests.Contents.EMPTY : known.contents();
    files.put(path, new FileState(hash, kept));
    return false;
  }

  /** The one-line errors of files that currently fail to parse. */
  public synchronized List<String> fileErrors() {
    return List.copyOf(errors.values());
  }

  // Hidden files and temporary ones (editors' and our own atomic rewrites', which end in .tmp) are
  // never input: a half-written temporary file must not be served, and a leftover one not twice.
  private static boolean isYaml(Path path) {
    String name = path.getFileName().toString();
    return Files.isRegularFile(path) && !name.startsWith(".") && !name.endsWith(".tmp")
        && (name.endsWith(".yaml") || name.endsWith(".yml"));
  }

  @Override
  public boolean synced() {
    return synced;
  }

  @Override
  public Optional<String> failure() {
    return Optional.empty();
  }

  @Override
  public synchronized Inventory inventory() {
    List<ServiceInput> services = new ArrayList<>();
    List<EndpointSliceInput> slices = new ArrayList<>();
    for (FileState state : files.values()) {
      services.addAll(state.contents().services());
      slices.addAll(state.contents().endpointSlices());
    }
    return new Inventory(services, slices);
  }

  /** The file that holds the Service, if any file does. */
  public synchronized Optional<Path> fileOf(ServiceRef service) {
    return files.entrySet().stream()
        .filter(e -> e.getValue().contents().services().stream().anyMatch(s -> s.ref().equals(service)))
        .map(Map.Entry::getKey)
        .findFirst();
  }

  @Override
  public AnnotationWriter annotationWriter() {
    return writer;
  }

  @Override
  public ProblemReporter problemReporter() {
    return ProblemReporter.NONE;
  }

  @Override
  public String describe() {
    return "directory " + directory;
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
