package dev.gpilot.api.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Turns a valid JSON body into a nearly valid one: fields dropped, duplicated, retyped, nulled,
 * added; strings made huge or exotic; values wrapped; the text cut short. Seeded, so a run is
 * repeatable.
 */
final class JsonMutator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /**
   * Strings a parser or a validator may choke on: control characters, lone surrogates, RTL, emoji,
   * zero-width.
   */
  static final List<String> EXOTIC =
      List.of(
          "",
          " ",
          "\u0000",
          "\t\n\r",
          "\u202e\u0645\u0647\u0645\u0629",
          "\uD83D\uDE80🚀",
          "\uD800",
          "\uDFFF",
          "\u200b\u200d\ufeff",
          "e\u0301\u0301\u0301",
          "ミッション",
          "../../etc/passwd",
          "'; DROP TABLE missions; --",
          "${jndi:ldap://x}",
          "%s%n%x",
          "\\u0000",
          "null",
          "true",
          "1e999",
          "-0",
          "Ａｇｅｎｔ",
          "agent-scout\u0000");

  private final Random random;

  JsonMutator(Random random) {
    this.random = random;
  }

  /** The names of the mutations {@link #mutate} applies, for the report. */
  record Mutated(String how, String json) {}

  /** One to three mutations of {@code validJson}. */
  Mutated mutate(String validJson) {
    JsonNode root = read(validJson);
    List<String> how = new ArrayList<>();
    String text = null;
    int n = 1 + random.nextInt(3);
    for (int i = 0; i < n; i++) {
      List<Slot> slots = slots(root);
      Slot slot = slots.get(random.nextInt(slots.size()));
      switch (random.nextInt(10)) {
        case 0 -> {
          how.add("drop");
          slot.remove();
        }
        case 1, 2 -> {
          how.add("retype");
          slot.set(randomValue(0));
        }
        case 3 -> {
          how.add("null");
          slot.set(NODES.nullNode());
        }
        case 4 -> {
          how.add("unknown-field");
          List<ObjectNode> objects = new ArrayList<>();
          objects(root, objects);
          objects
              .get(random.nextInt(objects.size()))
              .set("x" + random.nextInt(100), randomValue(0));
        }
        case 5 -> {
          how.add("huge-string");
          slot.set(NODES.textNode(hugeString()));
        }
        case 6 -> {
          how.add("exotic-string");
          slot.set(NODES.textNode(EXOTIC.get(random.nextInt(EXOTIC.size()))));
        }
        case 7 -> {
          how.add("wrap");
          slot.set(
              random.nextBoolean()
                  ? NODES.arrayNode().add(slot.get())
                  : NODES.objectNode().set("v", slot.get()));
        }
        default -> {
          how.add("duplicate-field");
          text = duplicateFirstField(root);
        }
      }
    }
    if (text == null) {
      text = root.toString();
    }
    if (random.nextInt(8) == 0 && text.length() > 1) {
      how.add("truncate");
      text = text.substring(0, random.nextInt(text.length()));
    }
    return new Mutated(String.join("+", how), text);
  }

  /** A random JSON value of any type, small or extreme. */
  JsonNode randomValue(int depth) {
    return switch (random.nextInt(depth > 2 ? 9 : 11)) {
      case 0 -> NODES.nullNode();
      case 1 -> NODES.booleanNode(random.nextBoolean());
      case 2 -> NODES.numberNode(random.nextInt());
      case 3 ->
          NODES.numberNode(
              List.of(Long.MAX_VALUE, Long.MIN_VALUE, 0L, -1L, 2147483648L).get(random.nextInt(5)));
      case 4 -> NODES.numberNode(new BigInteger("9".repeat(1 + random.nextInt(400))));
      case 5 -> NODES.numberNode(new BigDecimal(random.nextBoolean() ? "1e999" : "-0.000001"));
      case 6 -> NODES.numberNode(random.nextDouble() * 1e6);
      case 7 -> NODES.textNode(EXOTIC.get(random.nextInt(EXOTIC.size())));
      case 8 -> NODES.textNode("s" + random.nextInt(1000));
      case 9 -> {
        ArrayNode array = NODES.arrayNode();
        for (int i = random.nextInt(4); i > 0; i--) {
          array.add(randomValue(depth + 1));
        }
        yield array;
      }
      default -> {
        ObjectNode object = NODES.objectNode();
        for (int i = random.nextInt(4); i > 0; i--) {
          object.set(EXOTIC.get(random.nextInt(EXOTIC.size())) + i, randomValue(depth + 1));
        }
        yield object;
      }
    };
  }

  String hugeString() {
    int length = List.of(70_000, 100_001, 300_000).get(random.nextInt(3));
    String unit = EXOTIC.get(random.nextInt(EXOTIC.size()));
    return (unit.isEmpty() ? "x" : unit).repeat(length / Math.max(1, unit.length()) + 1);
  }

  private String duplicateFirstField(JsonNode root) {
    if (!root.isObject() || root.isEmpty()) {
      return root.toString();
    }
    String first = root.fieldNames().next();
    JsonNode other = randomValue(0);
    return "{" + NODES.textNode(first) + ":" + other + "," + root.toString().substring(1);
  }

  /**
   * A place that holds a value: an object's field or an array's element (the root itself is not
   * one).
   */
  private record Slot(JsonNode parent, String field, int index) {
    JsonNode get() {
      return field != null ? parent.get(field) : parent.get(index);
    }

    void set(JsonNode value) {
      if (field != null) {
        ((ObjectNode) parent).set(field, value);
      } else {
        ((ArrayNode) parent).set(index, value);
      }
    }

    void remove() {
      if (field != null) {
        ((ObjectNode) parent).remove(field);
      } else {
        ((ArrayNode) parent).remove(index);
      }
    }
  }

  private static List<Slot> slots(JsonNode root) {
    List<Slot> slots = new ArrayList<>();
    collect(root, slots);
    if (slots.isEmpty() && root.isObject()) {
      ((ObjectNode) root).put("x", 1);
      collect(root, slots);
    }
    return slots.isEmpty() ? List.of(new Slot(NODES.objectNode().put("x", 1), "x", -1)) : slots;
  }

  private static void collect(JsonNode node, List<Slot> slots) {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        slots.add(new Slot(node, name, -1));
        collect(node.get(name), slots);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        slots.add(new Slot(node, null, i));
        collect(node.get(i), slots);
      }
    }
  }

  private static void objects(JsonNode node, List<ObjectNode> found) {
    if (node.isObject()) {
      found.add((ObjectNode) node);
    }
    node.forEach(child -> objects(child, found));
  }

  private static JsonNode read(String json) {
    try {
      return Json.mapper().readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
