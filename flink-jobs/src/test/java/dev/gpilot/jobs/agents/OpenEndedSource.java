package dev.gpilot.jobs.agents;

import dev.gpilot.contracts.json.JsonCodec;
import java.util.List;
import org.apache.flink.streaming.api.functions.source.legacy.SourceFunction;

/**
 * Emits step requests and then stays open until cancelled, like the job's Kafka source: Flink's
 * async retry stops retrying once its input has ended, so a bounded source would hide retries.
 * Requests travel as JSON (this function is serialized into the job graph).
 */
@SuppressWarnings("deprecation")
public final class OpenEndedSource implements SourceFunction<StepRequest> {
  private static final long serialVersionUID = 1L;
  private final List<String> requests;
  private volatile boolean running = true;

  public OpenEndedSource(List<StepRequest> requests) {
    JsonCodec<StepRequest> codec = JsonCodec.of(StepRequest.class);
    this.requests = requests.stream().map(codec::encodeToString).toList();
  }

  @Override
  public void run(SourceContext<StepRequest> ctx) throws Exception {
    JsonCodec<StepRequest> codec = JsonCodec.of(StepRequest.class);
    for (String request : requests) {
      if (!running) {
        return;
      }
      synchronized (ctx.getCheckpointLock()) {
        ctx.collect(codec.decode(request));
      }
    }
    while (running) {
      Thread.sleep(50);
    }
  }

  @Override
  public void cancel() {
    running = false;
  }
}
