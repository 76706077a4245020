package dev.gpilot.jobs;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;

/** Test helpers for jobs started with {@link LocalMissionJob}. */
public final class JobClients {
  private JobClients() {}

  /**
   * Cancels the job and waits until it has stopped. {@code cancel()} completes once the request is
   * acknowledged, while the job's sources may still run; left like that, they outlive the test's
   * broker and retry it in the next test class of the same JVM (whose log checks then see their
   * warnings).
   */
  public static void cancelAndAwait(JobClient job) throws Exception {
    job.cancel().get(60, TimeUnit.SECONDS);
    try {
      job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException cancelled) {
      // A cancelled job's result is its cancellation.
    }
  }
}
