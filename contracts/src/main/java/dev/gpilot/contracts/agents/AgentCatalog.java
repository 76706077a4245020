package dev.gpilot.contracts.agents;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agents G-Pilot can run, by name. Shipped as {@value #RESOURCE}; a deployment replaces it with
 * its own file named by {@value #ENV}. Immutable and thread-safe.
 *
 * <p>File format: {@code {"agents": [{"name", "description", "model", "systemInstruction",
 * "outputSchema"?, "maxOutputTokens", "temperature"}, ...]}}; unknown fields are rejected so that a
 * typo is an error.
 */
public final class AgentCatalog {
  /** Environment variable naming a catalog file that replaces the shipped one. */
  public static final String ENV = "GPILOT_AGENT_CATALOG";

  /** The shipped catalog on the classpath. */
  public static final String RESOURCE = "agents/catalog.json";

  /** The planner agent: it makes plans, it is never a step of a plan it makes. */
  public static final String OVERSEER = "mission-overseer";

  private static final ObjectReader READER =
      Json.mapper()
          .readerFor(CatalogFile.class)
          .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final String source;
  private final Map<String, AgentDefinition> agents;

  private AgentCatalog(String source, List<AgentDefinition> agents) {
    this.source = source;
    Map<String, AgentDefinition> byName = new LinkedHashMap<>();
    for (AgentDefinition agent : agents) {
      if (byName.put(agent.name(), agent) != null) {
        throw new CatalogException(source + ": agent '" + agent.name() + "' is defined twice");
      }
    }
    if (byName.isEmpty()) {
      throw new CatalogException(source + ": the catalog has no agents");
    }
    this.agents = Collections.unmodifiableMap(byName);
  }

  /** The catalog of a list of agents (tests, tools). */
  public static AgentCatalog of(List<AgentDefinition> agents) {
    return new AgentCatalog("(in memory)", agents);
  }

  /** The file named by {@value #ENV} in {@code env} if set, else the shipped catalog. */
  public static AgentCatalog load(Map<String, String> env) {
    String path = env.get(ENV);
    return path == null || path.isBlank() ? shipped() : fromFile(Path.of(path.strip()));
  }

  /** The catalog shipped with G-Pilot. */
  public static AgentCatalog shipped() {
    return CatalogFiles.shipped(RESOURCE, "catalog", AgentCatalog::parse);
  }

  /**
   * @throws CatalogException when the file cannot be read or is not a valid catalog
   */
  public static AgentCatalog fromFile(Path file) {
    return CatalogFiles.fromFile(file, "agent catalog", ENV, AgentCatalog::parse);
  }

  /**
   * @throws CatalogException when the JSON is not a valid catalog; the message names {@code source}
   */
  public static AgentCatalog parse(InputStream json, String source) {
    CatalogFile file;
    try {
      file = READER.readValue(json);
    } catch (IOException | IllegalArgumentException e) {
      throw new CatalogException(source + ": not a valid agent catalog: " + rootMessage(e), e);
    }
    if (file == null || file.agents == null) {
      throw new CatalogException(source + ": not a valid agent catalog: \"agents\" is missing");
    }
    return new AgentCatalog(source, file.agents);
  }

  /** Where the catalog came from (a path or {@code classpath:...}). */
  public String source() {
    return source;
  }

  public List<AgentDefinition> agents() {
    return List.copyOf(agents.values());
  }

  public List<String> names() {
    return List.copyOf(agents.keySet());
  }

  public Optional<AgentDefinition> find(String name) {
    return Optional.ofNullable(agents.get(name));
  }

  /**
   * @throws IllegalArgumentException when the catalog has no such agent
   */
  public AgentDefinition get(String name) {
    AgentDefinition agent = agents.get(name);
    if (agent == null) {
      throw new IllegalArgumentException(
          "unknown agent '" + name + "' (the catalog has " + names() + ")");
    }
    return agent;
  }

  public boolean contains(String name) {
    return agents.containsKey(name);
  }

  /** The agents a plan may use when the mission names none: all of them but the planner. */
  public List<String> plannable() {
    List<String> names = new ArrayList<>(agents.keySet());
    names.remove(OVERSEER);
    return names;
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    if (t instanceof com.fasterxml.jackson.core.JsonProcessingException jpe) {
      return jpe.getOriginalMessage();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** The file's shape. */
  static final class CatalogFile {
    @JsonProperty("agents")
    List<AgentDefinition> agents;
  }
}
