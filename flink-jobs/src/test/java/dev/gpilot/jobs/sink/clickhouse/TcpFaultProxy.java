package dev.gpilot.jobs.sink.clickhouse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP fault injector in front of a real server (like Toxiproxy, in-process): clients connect to
 * {@link #port()}, and while the proxy is up every connection is forwarded byte for byte to the
 * server, both ways. While it is down, the server is unreachable for the clients: every new
 * connection is reset as soon as it is accepted, and the connections that were open are cut. The
 * server itself is never touched.
 *
 * <p>{@link #downAfterNextAnswer()} takes it down at the worst moment of a request: the next
 * request reaches the server, the server does it and answers, the answer is dropped and the proxy
 * goes down, so the client sees a failure for work that was done (an INSERT that landed) and will
 * send it again.
 *
 * <p>Threads: one accepting, two per forwarded connection; all daemons, stopped by {@link
 * #close()}.
 */
final class TcpFaultProxy implements AutoCloseable {
  private enum State {
    UP,
    DOWN,
    ARMED,
    REQUEST_SENT
  }

  private final ServerSocket listener;
  private final InetSocketAddress server;
  private final AtomicReference<State> state;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger forwarded = new AtomicInteger();
  private final List<String> droppedAnswers = new CopyOnWriteArrayList<>();
  private final Thread acceptor;
  private volatile boolean closed;

  private TcpFaultProxy(InetSocketAddress server, boolean up) throws IOException {
    this.server = server;
    this.state = new AtomicReference<>(up ? State.UP : State.DOWN);
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "fault-proxy-accept-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A proxy on a free loopback port in front of {@code host:port}, starting up or down. */
  static TcpFaultProxy start(String host, int port, boolean up) throws IOException {
    return new TcpFaultProxy(new InetSocketAddress(host, port), up);
  }

  /** A proxy in front of the server of an {@code http://host:port} URL. */
  static TcpFaultProxy forUrl(String url, boolean up) throws IOException {
    URI uri = URI.create(url);
    return start(uri.getHost(), uri.getPort(), up);
  }

  int port() {
    return listener.getLocalPort();
  }

  /** The URL clients use instead of the server's: {@code http://127.0.0.1:<port>}. */
  String url() {
    return "http://127.0.0.1:" + port();
  }

  /** Forwards new connections to the server again. */
  void up() {
    state.set(State.UP);
  }

  /** Resets every new connection and cuts the open ones. */
  void down() {
    state.set(State.DOWN);
    links.forEach(Link::cut);
  }

  /**
   * Lets the next request through to the server, drops the server's answer, and goes {@link
   * #down()}: the client never learns that the request was done.
   */
  void downAfterNextAnswer() {
    state.set(State.ARMED);
  }

  boolean isUp() {
    return state.get() != State.DOWN;
  }

  /** Connections reset because the proxy was down. */
  int refusedConnections() {
    return refused.get();
  }

  /** Connections forwarded to the server. */
  int forwardedConnections() {
    return forwarded.get();
  }

  /**
   * The first line of each answer the server gave and the client never got (e.g. {@code HTTP/1.1
   * 200 OK}).
   */
  List<String> droppedAnswers() {
    return List.copyOf(droppedAnswers);
  }

  @Override
  public void close() throws IOException {
    closed = true;
    listener.close();
    links.forEach(Link::cut);
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (state.get() == State.DOWN) {
        refused.incrementAndGet();
        reset(client);
        continue;
      }
      try {
        Socket upstream = new Socket();
        upstream.connect(server, 5_000);
        forwarded.incrementAndGet();
        Link link = new Link(client, upstream);
        links.add(link);
        link.start();
      } catch (IOException e) {
        reset(client); // the real server is unreachable: the client sees what it would see without
        // the proxy
      }
    }
  }

  /** Closes with SO_LINGER 0, so the peer gets a TCP reset, as from a server that died. */
  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // already closed
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }

  /** One client connection and its connection to the server. */
  private final class Link {
    private final Socket client;
    private final Socket upstream;

    Link(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void start() {
      Thread requests = new Thread(this::pumpRequests, "fault-proxy-c2s-" + client.getPort());
      Thread answers = new Thread(this::pumpAnswers, "fault-proxy-s2c-" + client.getPort());
      requests.setDaemon(true);
      answers.setDaemon(true);
      requests.start();
      answers.start();
    }

    private void pumpRequests() {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = client.getInputStream();
          OutputStream out = upstream.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          if (state.get() == State.DOWN) {
            break;
          }
          // Before the bytes go out: the server's answer may come back before this thread runs
          // again.
          state.compareAndSet(State.ARMED, State.REQUEST_SENT);
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // cut or closed by either side
      } finally {
        cut();
      }
    }

    private void pumpAnswers() {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = upstream.getInputStream();
          OutputStream out = client.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          if (state.compareAndSet(State.REQUEST_SENT, State.DOWN)) {
            String answer = new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
            int eol = answer.indexOf('\r');
            droppedAnswers.add(eol < 0 ? answer : answer.substring(0, eol));
            links.forEach(Link::cut);
            return;
          }
          if (state.get() == State.DOWN) {
            break;
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // cut or closed by either side
      } finally {
        cut();
      }
    }

    void cut() {
      if (links.remove(this)) {
        reset(client);
        reset(upstream);
      }
    }
  }
}
