package dev.gpilot.jobs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Topics in the test's JVM, for a job on a MiniCluster of the same JVM: a {@link #sink} appends to
 * a topic, a {@link #source} reads it (unbounded, in order, by one reader), a test {@link #send}s
 * to and {@link #records reads} from it. With them the MissionJob runs its real operators, its
 * loops through topics included (step results, budget signals), without a broker.
 *
 * <p>Not a broker: a topic is one queue read once, nothing is kept for a restore. Name topics per
 * test ({@code <test id>/<topic>}).
 */
final class MemoryTopics {
  private static final Map<String, Topic> TOPICS = new ConcurrentHashMap<>();

  private MemoryTopics() {}

  /** Appends {@code record} to {@code topic}, for its source to read. */
  static void send(String topic, Object record) {
    named(topic).append(record);
  }

  /** Everything written to {@code topic} so far, in the order it was written. */
  @SuppressWarnings("unchecked")
  static <T> List<T> records(String topic) {
    return (List<T>) List.copyOf(named(topic).written);
  }

  /** Forgets the topics whose names start with {@code prefix}. */
  static void drop(String prefix) {
    TOPICS.keySet().removeIf(name -> name.startsWith(prefix));
  }

  /** Reads {@code topic}: every record sent or written to it after the job started. */
  static <T> Source<T, TopicSplit, Void> source(String topic, TypeInformation<T> type) {
    return new TopicSource<>(topic, type);
  }

  /**
   * Writes to {@code topic}: its {@link #source} reads the records, {@link #records} lists them.
   */
  static <T> Sink<T> sink(String topic) {
    return new TopicSink<>(topic, record -> record);
  }

  /**
   * Writes {@code as(record)} to {@code topic}: what a topic's deserializer makes of it (a control
   * command reads as a {@code SchedulerInput}).
   */
  static <T> Sink<T> sink(String topic, SerializableFunction<T, ?> as) {
    return new TopicSink<>(topic, as);
  }

  private static Topic named(String name) {
    return TOPICS.computeIfAbsent(name, n -> new Topic());
  }

  private static final class Topic {
    final ConcurrentLinkedQueue<Object> unread = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Object> written = new ConcurrentLinkedQueue<>();
    private CompletableFuture<Void> available = new CompletableFuture<>();

    void append(Object record) {
      written.add(record);
      unread.add(record);
      CompletableFuture<Void> waiting;
      synchronized (this) {
        waiting = available;
      }
      waiting.complete(null);
    }

    /** Completes when a record may be unread (at once if one is). */
    synchronized CompletableFuture<Void> available() {
      if (available.isDone()) {
        available = new CompletableFuture<>();
      }
      if (!unread.isEmpty()) {
        available.complete(null);
      }
      return available;
    }
  }

  /** The one split of a topic: the whole queue. */
  record TopicSplit(String topic) implements SourceSplit {
    @Override
    public String splitId() {
      return topic;
    }
  }

  private record TopicSource<T>(String topic, TypeInformation<T> type)
      implements Source<T, TopicSplit, Void>, ResultTypeQueryable<T> {
    @Override
    public Boundedness getBoundedness() {
      return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public TypeInformation<T> getProducedType() {
      return type;
    }

    @Override
    public SourceReader<T, TopicSplit> createReader(SourceReaderContext context) {
      return new TopicReader<>();
    }

    @Override
    public SplitEnumerator<TopicSplit, Void> createEnumerator(
        SplitEnumeratorContext<TopicSplit> context) {
      return new OneReader(context, new TopicSplit(topic));
    }

    @Override
    public SplitEnumerator<TopicSplit, Void> restoreEnumerator(
        SplitEnumeratorContext<TopicSplit> context, Void checkpoint) {
      return createEnumerator(context);
    }

    @Override
    public SimpleVersionedSerializer<TopicSplit> getSplitSerializer() {
      return new SimpleVersionedSerializer<>() {
        @Override
        public int getVersion() {
          return 1;
        }

        @Override
        public byte[] serialize(TopicSplit split) {
          return split.topic().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public TopicSplit deserialize(int version, byte[] bytes) {
          return new TopicSplit(new String(bytes, StandardCharsets.UTF_8));
        }
      };
    }

    @Override
    public SimpleVersionedSerializer<Void> getEnumeratorCheckpointSerializer() {
      return new SimpleVersionedSerializer<>() {
        @Override
        public int getVersion() {
          return 1;
        }

        @Override
        public byte[] serialize(Void checkpoint) {
          return new byte[0];
        }

        @Override
        public Void deserialize(int version, byte[] bytes) {
          return null;
        }
      };
    }
  }

  /** Gives the split to subtask 0, so one reader keeps the topic's order; the others idle. */
  private static final class OneReader implements SplitEnumerator<TopicSplit, Void> {
    private final SplitEnumeratorContext<TopicSplit> context;
    private final TopicSplit split;

    OneReader(SplitEnumeratorContext<TopicSplit> context, TopicSplit split) {
      this.context = context;
      this.split = split;
    }

    @Override
    public void start() {}

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {}

    @Override
    public void addSplitsBack(List<TopicSplit> splits, int subtaskId) {}

    @Override
    public void addReader(int subtaskId) {
      if (subtaskId == 0) {
        context.assignSplit(split, 0);
      }
    }

    @Override
    public Void snapshotState(long checkpointId) {
      return null;
    }

    @Override
    public void close() {}
  }

  private static final class TopicReader<T> implements SourceReader<T, TopicSplit> {
    private final List<TopicSplit> splits = new ArrayList<>();
    private final CompletableFuture<Void> assigned = new CompletableFuture<>();
    private Topic topic;

    @Override
    public void start() {}

    @Override
    @SuppressWarnings("unchecked")
    public InputStatus pollNext(ReaderOutput<T> output) {
      Object next = topic == null ? null : topic.unread.poll();
      if (next == null) {
        return InputStatus.NOTHING_AVAILABLE;
      }
      output.collect((T) next);
      return InputStatus.MORE_AVAILABLE;
    }

    @Override
    public List<TopicSplit> snapshotState(long checkpointId) {
      return List.copyOf(splits);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
      // Without a split, when one comes (subtask 0), else never: the reader idles.
      return topic == null ? assigned : topic.available();
    }

    @Override
    public void addSplits(List<TopicSplit> added) {
      splits.addAll(added);
      topic = named(added.get(0).topic());
      assigned.complete(null);
    }

    @Override
    public void notifyNoMoreSplits() {}

    @Override
    public void close() {}
  }

  private record TopicSink<T>(String topic, SerializableFunction<T, ?> as) implements Sink<T> {
    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
      Topic target = named(topic);
      return new SinkWriter<>() {
        @Override
        public void write(T element, Context context) {
          target.append(as.apply(element));
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
      };
    }
  }
}
