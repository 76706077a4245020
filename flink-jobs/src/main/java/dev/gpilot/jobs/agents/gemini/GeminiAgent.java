package dev.gpilot.jobs.agents.gemini;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.gpilot.contracts.agents.AgentCatalog;
import dev.gpilot.contracts.agents.AgentDefinition;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.jobs.agents.Agent;
import dev.gpilot.jobs.agents.AgentException;
import dev.gpilot.jobs.agents.AgentReply;
import dev.gpilot.jobs.agents.DeltaListener;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.vault.VaultGeminiKeys;
import dev.gpilot.jobs.vault.VaultKeyResolverOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.util.function.SerializableSupplier;

/**
 * Runs step attempts on Gemini: the agent's system instruction, a user turn built from the step
 * ({@link PromptBuilder}), the agent's output schema as the response schema when it has one.
 * Free-text agents answer {@code {"text": "..."}} (plus {@code "truncated": true} when the output
 * budget ran out); structured agents answer their schema's JSON. Steps of {@value
 * AgentCatalog#OVERSEER} go to the {@link MissionOverseer}: their output is a plan.
 *
 * <p>Each reply carries its {@link dev.gpilot.jobs.agents.ModelCharge}: usage, model and cost from
 * the price table. Thread-safe; build it in the operator's {@code open()} ({@link #factory}) as it
 * holds HTTP clients.
 */
public final class GeminiAgent implements Agent {
  private final AgentCatalog catalog;
  private final GeminiKeyResolver keys;
  private final GeminiCaller caller;
  private final PromptBuilder prompts;
  private final MissionOverseer overseer;
  private final Map<String, JsonSchema> validators = new ConcurrentHashMap<>();

  /**
   * @throws dev.gpilot.contracts.agents.CatalogException when an agent's model has no price
   */
  public GeminiAgent(
      GeminiOptions options,
      AgentCatalog catalog,
      PriceTable prices,
      GeminiKeyResolver keys,
      Clock clock) {
    prices.requirePricesFor(catalog, clock.instant());
    this.catalog = catalog;
    this.keys = keys;
    this.caller = new GeminiCaller(options, prices, clock);
    this.prompts = new PromptBuilder(options.promptLimits());
    this.overseer = new MissionOverseer(caller, catalog, keys, options.promptLimits());
  }

  /**
   * Makes the agent on the task manager: loads the catalog and price table (the files of the
   * options, else the shipped ones) and uses the deployment key for every workspace.
   */
  public static SerializableSupplier<Agent> factory(GeminiOptions options) {
    return factory(options, null);
  }

  /**
   * Makes the agent on the task manager, in the executor's {@code open()}: the supplier travels in
   * the job graph and carries the options only. The deployment key is read there, from the task
   * manager's environment ({@link GeminiOptions#deploymentKey()}); with {@code vault}, each
   * workspace's own key comes from the vault and the deployment key is for workspaces without one.
   *
   * @param vault null: every workspace uses the deployment key
   */
  public static SerializableSupplier<Agent> factory(
      GeminiOptions options, VaultKeyResolverOptions vault) {
    return () -> {
      Optional<ApiKey> deploymentKey = options.deploymentKey().resolve(System.getenv());
      GeminiKeyResolver keys;
      if (vault != null) {
        keys =
            new VaultGeminiKeys(
                vault.open(deploymentKey.map(ApiKey::revealForProviderCall).orElse(null)));
      } else {
        keys =
            deploymentKey
                .map(GeminiKeyResolver::deployment)
                .orElseGet(
                    () ->
                        GeminiKeyResolver.none(
                            "no Gemini key: "
                                + options.deploymentKey()
                                + " is not set where the job's tasks run"));
      }
      return new GeminiAgent(options, catalog(options), prices(options), keys, Clock.systemUTC());
    };
  }

  public static AgentCatalog catalog(GeminiOptions options) {
    return options.catalogPath() == null
        ? AgentCatalog.shipped()
        : AgentCatalog.fromFile(Path.of(options.catalogPath()));
  }

  public static PriceTable prices(GeminiOptions options) {
    return options.pricesPath() == null
        ? PriceTable.shipped()
        : PriceTable.fromFile(Path.of(options.pricesPath()));
  }

  /** The planner behind {@value AgentCatalog#OVERSEER} steps. */
  public MissionOverseer overseer() {
    return overseer;
  }

  /**
   * With streaming calls on ({@link GeminiOptions#streaming()}), their text goes to {@code deltas}.
   */
  @Override
  public CompletableFuture<AgentReply> call(StepRequest request, DeltaListener deltas) {
    try {
      if (AgentCatalog.OVERSEER.equals(request.agent())) {
        return overseer.call(request, deltas);
      }
      AgentDefinition agent =
          onModel(
              catalog
                  .find(request.agent())
                  .orElseThrow(
                      () ->
                          new AgentException(
                              "unknown agent '"
                                  + request.agent()
                                  + "': the catalog has "
                                  + catalog.names(),
                              false)),
              request.model());
      ApiKey key = keys.keyFor(request.workspaceId(), request);
      String prompt = prompts.userPrompt(request);
      if (!agent.structured()) {
        return caller
            .askText(key, agent, prompt, request, deltas)
            .thenApply(
                answer -> {
                  ObjectNode output = Json.mapper().createObjectNode().put("text", answer.value());
                  if (answer.turns().get(answer.turns().size() - 1).truncated()) {
                    output.put("truncated", true);
                  }
                  return new AgentReply(output, answer.charge());
                });
      }
      return caller
          .askJson(key, agent, prompt, agent.outputSchema(), validator(agent), request, deltas)
          .thenApply(answer -> new AgentReply(answer.value(), answer.charge()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The agent as it runs this request: on the request's model (a fork's) when it names one, else
   * its own.
   */
  private static AgentDefinition onModel(AgentDefinition agent, String model) {
    if (model == null || model.equals(agent.model())) {
      return agent;
    }
    return new AgentDefinition(
        agent.name(),
        agent.description(),
        model,
        agent.systemInstruction(),
        agent.outputSchema(),
        agent.maxOutputTokens(),
        agent.temperature());
  }

  private JsonSchema validator(AgentDefinition agent) {
    return validators.computeIfAbsent(
        agent.name(),
        name ->
            JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(agent.outputSchema()));
  }

  @Override
  public void close() {
    caller.close();
    keys.close();
  }
}
