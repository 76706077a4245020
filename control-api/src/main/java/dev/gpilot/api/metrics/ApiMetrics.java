package dev.gpilot.api.metrics;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;

/**
 * What an operator scrapes from one API instance (SPEC.md section 10), in Prometheus' text format
 * at {@code GET /metrics}: requests by method, route (the route's template, never the path with its
 * ids) and status, with a latency histogram; open streams; how far each topic feed is behind; the
 * Kafka producers' own metrics (sends, errors, retries, latency); the JVM (memory, GC pauses,
 * threads, CPU). Micrometer does the work; this class only names and wires it.
 */
public final class ApiMetrics implements AutoCloseable {
  /**
   * The route tag of a request no route matched (unknown paths must not each become a time series).
   */
  static final String UNMATCHED = "unmatched";

  private static final String STARTED = "gpilot.metrics.started";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  public ApiMetrics() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    closeables.add(gc);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** A value read when scraped, e.g. open streams. */
  public void gauge(String name, String description, Supplier<Number> value, String... tags) {
    Gauge.builder(name, value).description(description).tags(tags).register(registry);
  }

  /**
   * The producer's own metrics ({@code kafka_producer_*}: record-send, record-error, retries,
   * request latency).
   */
  public void kafkaProducer(Producer<?, ?> producer, String client) {
    KafkaClientMetrics metrics =
        new KafkaClientMetrics(
            producer, List.of(io.micrometer.core.instrument.Tag.of("client", client)));
    metrics.bindTo(registry);
    closeables.add(metrics);
  }

  /** Times every request, and serves {@code GET /metrics}. */
  public void register(RoutesConfig routes) {
    routes.before(ctx -> ctx.attribute(STARTED, System.nanoTime()));
    routes.after(this::record);
    routes.get(
        "/metrics",
        ctx ->
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()));
  }

  private void record(Context ctx) {
    Long started = ctx.attribute(STARTED);
    if (started == null) {
      return;
    }
    Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
    Timer.builder("http.server.requests")
        .description("HTTP requests by method, route template and status")
        .tag("method", ctx.method().name())
        .tag("route", endpoint == null ? UNMATCHED : endpoint.path)
        .tag("status", String.valueOf(ctx.statusCode()))
        .publishPercentileHistogram()
        .register(registry)
        .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        // Closing meters at shutdown: nothing to do about a failure.
      }
    }
    registry.close();
  }
}
