package dev.gpilot.plans;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Step conditions in CEL (Google's Common Expression Language): safe, side-effect free, always
 * terminating.
 *
 * <p>A condition sees two variables: {@code steps.<id>.status} and {@code
 * steps.<id>.output.<field>} of the steps it depends on, and {@code mission.params.<field>}. It
 * must be a boolean expression. Reading a field that is absent is an evaluation error (the step
 * fails with it), never a silent true or false. Thread-safe.
 */
public final class Conditions {
  private static final CelOptions OPTIONS =
      CelOptions.current().enableHeterogeneousNumericComparisons(true).build();
  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setOptions(OPTIONS)
          .addVar("steps", MapType.create(SimpleType.STRING, SimpleType.DYN))
          .addVar("mission", MapType.create(SimpleType.STRING, SimpleType.DYN))
          .setResultType(SimpleType.BOOL)
          .build();
  private static final CelRuntime RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS).build();

  private Conditions() {}

  /** A compiled condition and the steps it reads. */
  public record Compiled(String source, CelAbstractSyntaxTree ast, Set<String> referencedSteps) {}

  /**
   * Parses and type-checks a condition.
   *
   * @throws InvalidConditionException with the compiler's message when it does not compile or is
   *     not boolean
   */
  public static Compiled compile(String source) {
    CelAbstractSyntaxTree ast;
    try {
      ast = COMPILER.compile(source).getAst();
    } catch (CelValidationException e) {
      throw new InvalidConditionException(e.getMessage().replace("\n", " "));
    }
    Set<String> referenced = new LinkedHashSet<>();
    CelNavigableAst.fromAst(ast)
        .getRoot()
        .allNodes()
        .map(CelNavigableExpr::expr)
        .forEach(
            expr -> {
              String step = stepReferencedBy(expr);
              if (step != null) {
                referenced.add(step);
              }
            });
    if (mentionsStepsDynamically(ast)) {
      throw new InvalidConditionException(
          "conditions must name steps literally (steps.<id> or steps['id']), not compute them");
    }
    return new Compiled(source, ast, referenced);
  }

  /** {@code steps.x} or {@code steps['x']}: the step id, else null. */
  private static String stepReferencedBy(CelExpr expr) {
    if (expr.getKind() == CelExpr.ExprKind.Kind.SELECT) {
      CelExpr operand = expr.select().operand();
      if (isStepsIdent(operand)) {
        return expr.select().field();
      }
    }
    if (expr.getKind() == CelExpr.ExprKind.Kind.CALL && expr.call().function().equals("_[_]")) {
      List<CelExpr> args = expr.call().args();
      if (args.size() == 2
          && isStepsIdent(args.get(0))
          && args.get(1).getKind() == CelExpr.ExprKind.Kind.CONSTANT) {
        return args.get(1).constant().stringValue();
      }
    }
    return null;
  }

  /**
   * Whether {@code steps} is used other than as {@code steps.x} / {@code steps['x']} (e.g. iterated
   * or indexed).
   */
  private static boolean mentionsStepsDynamically(CelAbstractSyntaxTree ast) {
    return CelNavigableAst.fromAst(ast)
        .getRoot()
        .allNodes()
        .filter(n -> isStepsIdent(n.expr()))
        .anyMatch(n -> n.parent().map(p -> stepReferencedBy(p.expr()) == null).orElse(true));
  }

  private static boolean isStepsIdent(CelExpr expr) {
    return expr.getKind() == CelExpr.ExprKind.Kind.IDENT && expr.ident().name().equals("steps");
  }

  /**
   * Evaluates a condition.
   *
   * @param steps per step id: {@code status} and {@code output} (JSON) of the steps the condition
   *     may read
   * @param params the mission's {@code config.params}, may be null
   * @throws ConditionFailedException when it cannot be evaluated (e.g. a field is absent)
   */
  public static boolean evaluate(Compiled condition, Map<String, StepView> steps, JsonNode params) {
    Map<String, Object> stepValues = new LinkedHashMap<>();
    steps.forEach(
        (id, view) -> {
          Map<String, Object> v = new LinkedHashMap<>();
          v.put("status", view.status());
          v.put("output", view.output() == null ? Map.of() : toCel(view.output()));
          stepValues.put(id, v);
        });
    Map<String, Object> mission = Map.of("params", params == null ? Map.of() : toCel(params));
    try {
      Object result =
          RUNTIME
              .createProgram(condition.ast())
              .eval(Map.of("steps", stepValues, "mission", mission));
      return Boolean.TRUE.equals(result);
    } catch (CelEvaluationException e) {
      throw new ConditionFailedException(
          "condition '" + condition.source() + "' could not be evaluated: " + e.getMessage());
    }
  }

  /** What a condition sees of one step. */
  public record StepView(String status, JsonNode output) {}

  /**
   * JSON as CEL values: objects → maps, arrays → lists, integers → long, other numbers → double.
   */
  static Object toCel(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return dev.cel.common.values.NullValue.NULL_VALUE;
    }
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        map.put(e.getKey(), toCel(e.getValue()));
      }
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      node.forEach(n -> list.add(toCel(n)));
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    return node.asText();
  }

  /** The condition does not compile, or is not a boolean expression. */
  public static final class InvalidConditionException extends IllegalArgumentException {
    public InvalidConditionException(String message) {
      super(message);
    }
  }

  /** The condition could not be evaluated at run time. */
  public static final class ConditionFailedException extends RuntimeException {
    public ConditionFailedException(String message) {
      super(message);
    }
  }
}
