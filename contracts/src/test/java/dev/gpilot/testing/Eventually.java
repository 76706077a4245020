package dev.gpilot.testing;

import java.time.Duration;

/** Waits for a condition that becomes true asynchronously; fails with the last error when time is up. */
public final class Eventually {
  private Eventually() {}

  public static void eventually(Duration timeout, ThrowingRunnable assertion) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        assertion.run();
        return;
      } catch (AssertionError | Exception e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /** An assertion that may throw. */
  public interface ThrowingRunnable {
    void run() throws Exception;
  }
}
