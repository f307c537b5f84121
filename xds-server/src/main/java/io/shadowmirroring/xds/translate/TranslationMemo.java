package io.shadowmirroring.xds.translate;

import io.shadowmirroring.xds.model.MeshModel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Outputs of earlier translations, by the inputs that determine them, so that a change to one Service costs
 * the translation of that Service only. Keys are immutable records of model values (records compare by
 * value), one record type per kind of output, holding everything the output is a function of: a hit is the
 * very output a fresh translation would build, so remembering changes no byte, only the time.
 *
 * <p>Bounded to the current model: entries live in generations, one per model translated. A new model
 * starts a new generation; an entry used while translating it is carried over, the rest of the generation
 * before last is dropped. So the memo holds at most the outputs of the last two models, and an entry nothing
 * has used since the previous model is gone.
 *
 * <p>Safe for concurrent translations (the publisher translates a new profile on a stream thread while the
 * reconciler translates the others): a value for a key is always right, so a race costs at most a
 * computation twice, or an entry dropped one model early.
 */
final class TranslationMemo {
  private record Generations(MeshModel model, Map<Object, Object> current, Map<Object, Object> previous) {}

  private volatile Generations generations =
      new Generations(null, new ConcurrentHashMap<>(), new ConcurrentHashMap<>());

  /** Starts a generation when {@code model} is not the one the current generation is for. */
  void startTranslating(MeshModel model) {
    Generations now = generations;
    if (now.model() != model) {
      synchronized (this) {
        if (generations.model() != model) {
          generations = new Generations(model, new ConcurrentHashMap<>(), generations.current());
        }
      }
    }
  }

  /**
   * The output for {@code key}, computed only when no translation of this model or the previous one has
   * computed it. Each key record type must always map to the same value type.
   */
  @SuppressWarnings("unchecked")
  <V> V get(Record key, Supplier<V> compute) {
    Generations now = generations;
    Object value = now.current().get(key);
    if (value == null) {
      value = now.previous().get(key);
      if (value == null) {
        value = compute.get();
      }
      now.current().put(key, value);
    }
    return (V) value;
  }

  /** Entries in the current generation; for tests of the bound. */
  int size() {
    return generations.current().size();
  }
}
