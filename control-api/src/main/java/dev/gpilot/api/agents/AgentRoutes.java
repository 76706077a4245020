package dev.gpilot.api.agents;

import dev.gpilot.api.http.Responses;
import dev.gpilot.contracts.agents.AgentCatalog;
import dev.gpilot.contracts.agents.AgentDefinition;
import dev.gpilot.contracts.agents.ModelPrice;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.agents.TokenRates;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/agents}: the agent catalog with each agent's model and the price that applies
 * to it today. Authenticated like every {@code /api/*} route; the catalog is the deployment's, the
 * same for every workspace.
 */
public final class AgentRoutes {
  private final AgentCatalog catalog;
  private final PriceTable prices;
  private final Clock clock;

  public AgentRoutes(AgentCatalog catalog, PriceTable prices, Clock clock) {
    this.catalog = catalog;
    this.prices = prices;
    this.clock = clock;
  }

  /**
   * The catalog and price table the job uses: {@code GPILOT_AGENT_CATALOG} and {@code
   * GPILOT_PRICE_TABLE} when set, else the shipped ones.
   *
   * @throws dev.gpilot.contracts.agents.CatalogException when a file is invalid (the API does not
   *     start)
   */
  public static AgentRoutes fromEnv(Map<String, String> env) {
    return new AgentRoutes(AgentCatalog.load(env), PriceTable.load(env), Clock.systemUTC());
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/v1/agents", this::list);
  }

  private void list(Context ctx) {
    Responses.json(ctx, 200, body());
  }

  Map<String, Object> body() {
    List<Map<String, Object>> agents = catalog.agents().stream().map(this::agent).toList();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("agents", agents);
    body.put(
        "priceTable",
        Map.of(
            "version",
            prices.version(),
            "unit",
            "micro-credits per 1,000,000 tokens (1 credit = 1,000,000 micro-credits)"));
    return body;
  }

  private Map<String, Object> agent(AgentDefinition agent) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", agent.name());
    json.put("description", agent.description());
    json.put("model", agent.model());
    json.put("structuredOutput", agent.structured());
    if (agent.structured()) {
      json.put("outputSchema", agent.outputSchema());
    }
    json.put("maxOutputTokens", agent.maxOutputTokens());
    json.put("temperature", agent.temperature());
    json.put(
        "price", prices.find(agent.model(), clock.instant()).map(AgentRoutes::price).orElse(null));
    return json;
  }

  private static Map<String, Object> price(ModelPrice price) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("priceVersion", price.priceVersion());
    json.put("modelPattern", price.modelPattern());
    json.put("effectiveFrom", price.effectiveFrom().toString());
    json.putAll(rates(price.rates()));
    if (price.longContextRates() != null) {
      Map<String, Object> longContext = new LinkedHashMap<>();
      longContext.put("promptTokensAbove", price.longContextAbove());
      longContext.putAll(rates(price.longContextRates()));
      json.put("longContext", longContext);
    }
    return json;
  }

  private static Map<String, Object> rates(TokenRates rates) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("input", rates.input());
    json.put("cachedInput", rates.cachedInput());
    json.put("output", rates.output());
    json.put("thinking", rates.thinking());
    return json;
  }
}
