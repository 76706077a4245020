package dev.gpilot.api.tenancy;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.tenancy.ApiKeyRecord;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import dev.gpilot.contracts.tenancy.InvitationRecord;
import dev.gpilot.contracts.tenancy.MemberRecord;
import dev.gpilot.contracts.tenancy.Permission;
import dev.gpilot.contracts.tenancy.Role;
import dev.gpilot.contracts.tenancy.WorkspaceRecord;
import dev.gpilot.contracts.vault.AuditEvent;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Workspaces, API keys and members: authenticates callers and decides every change, which the
 * {@link ControlPlaneWriter} commits with its audit events. The route's permission was checked
 * before any method here runs ({@code RoutePermissions}); what is checked here depends on the
 * object (a key's role, an owner's key).
 */
public final class TenancyService {
  /** API keys start with this; the key id follows, then the secret part. */
  public static final String KEY_PREFIX = "gp_";

  /** Invitations' accept tokens start with this. */
  public static final String INVITATION_PREFIX = "gpi_";

  static final long INVITATION_LIFETIME_MS = 7L * 24 * 3600 * 1000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ControlPlaneStore store;
  private final ControlPlaneWriter writer;
  private final KeyHasher hasher;
  private final KeyUsageTracker usage;
  private final TokenAuthenticator tokens;
  private final Clock clock;

  TenancyService(
      ControlPlaneStore store,
      ControlPlaneWriter writer,
      KeyHasher hasher,
      KeyUsageTracker usage,
      TokenAuthenticator tokens,
      Clock clock) {
    this.store = store;
    this.writer = writer;
    this.hasher = hasher;
    this.usage = usage;
    this.tokens = tokens;
    this.clock = clock;
  }

  /**
   * The caller of an {@code Authorization: Bearer} header: a tokens-file token (Owner of its
   * workspace) or an API key in force (not revoked, not expired, its workspace present).
   *
   * @throws ApiException 401 otherwise
   */
  public Principal authenticate(String authorizationHeader) {
    String token = TokenAuthenticator.bearer(authorizationHeader);
    Principal fromFile = tokens.find(token);
    if (fromFile != null) {
      return fromFile;
    }
    if (token.startsWith(KEY_PREFIX)) {
      String hash = hasher.hashIfKnown(token);
      Optional<ApiKeyRecord> key = hash == null ? Optional.empty() : store.keyByHash(hash);
      long now = clock.millis();
      // A deleted workspace's keys are revoked with it; its deletion mark refuses them too, should
      // a key have been
      // created in the same moment.
      if (key.isPresent()
          && !key.get().refusedAt(now)
          && store.workspace(key.get().workspaceId()).map(w -> !w.deleted()).orElse(true)) {
        ApiKeyRecord k = key.get();
        usage.touch(k.workspaceId(), k.keyId(), now);
        return new Principal(k.workspaceId(), "key:" + k.keyId(), k.role(), k.keyId());
      }
    }
    throw ApiException.unauthorized("unknown, expired or revoked token");
  }

  // ---- workspaces

  /** The caller's workspace and the workspaces it created (its subject, from its workspace). */
  public List<Map<String, Object>> workspaces(Principal caller) {
    Map<String, Map<String, Object>> out = new TreeMap<>();
    out.put(caller.workspaceId(), workspaceJson(caller.workspaceId(), caller.role()));
    for (WorkspaceRecord w : store.workspaces()) {
      if (w.createdBy().equals(caller.subject())
          && w.createdIn().equals(caller.workspaceId())
          && !w.deleted()
          && !out.containsKey(w.workspaceId())) {
        out.put(w.workspaceId(), workspaceJson(w.workspaceId(), null));
      }
    }
    return new ArrayList<>(out.values());
  }

  private Map<String, Object> workspaceJson(String workspaceId, Role role) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("workspaceId", workspaceId);
    Optional<WorkspaceRecord> w = store.workspace(workspaceId);
    json.put("name", w.map(WorkspaceRecord::name).orElse(workspaceId));
    w.ifPresent(
        r -> {
          json.put("createdAt", r.createdAt());
          json.put("createdBy", r.createdBy());
        });
    if (role != null) {
      json.put("role", role.wire());
      // What the caller may do here (the role table's row): the console hides what the role cannot
      // do.
      json.put(
          "permissions",
          role.permissions().stream()
              .map(p -> p.name().toLowerCase(java.util.Locale.ROOT))
              .toList());
    }
    return json;
  }

  /**
   * A new workspace and its first Owner key (shown once), committed together.
   *
   * @throws ApiException 400 for an invalid id, 409 {@code workspace-exists} when the id is taken
   */
  public CompletableFuture<Map<String, Object>> createWorkspace(
      Principal caller, TenancyRequests.NewWorkspace req) {
    String id = req.workspaceId() != null ? req.workspaceId() : slug(req.name());
    if (!ControlPlaneRecord.WORKSPACE_ID.matcher(id).matches()) {
      throw ApiException.badRequest(
          "'workspaceId' must be 1-63 of a-z 0-9 - starting with a letter or digit"
              + (req.workspaceId() == null ? " (give one: the name does not make one)" : ""));
    }
    if (tokens.workspaces().contains(id)) {
      throw ApiException.conflict("workspace-exists", "workspace '" + id + "' exists");
    }
    NewKey key = newKey();
    long now = clock.millis();
    return writer.submit(
        view -> {
          if (view.get("workspace/" + id).isPresent()) {
            throw ApiException.conflict("workspace-exists", "workspace '" + id + "' exists");
          }
          WorkspaceRecord w =
              new WorkspaceRecord(id, req.name(), now, caller.subject(), caller.workspaceId(), 1);
          ApiKeyRecord k =
              new ApiKeyRecord(
                  id,
                  key.keyId(),
                  "owner",
                  Role.OWNER,
                  key.hash(),
                  now,
                  caller.subject(),
                  null,
                  null,
                  null,
                  1);
          List<AuditEvent> audit =
              List.of(
                  audit(id, now, AuditEvent.WORKSPACE_CREATE, caller, 1, "workspace:" + id),
                  audit(
                      id,
                      now,
                      AuditEvent.KEY_CREATE,
                      caller,
                      1,
                      "key:" + k.keyId() + " role=owner"));
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("workspaceId", id);
          body.put("name", req.name());
          body.put("createdAt", now);
          body.put("ownerKey", createdKeyJson(k, key.key()));
          return new ControlPlaneWriter.Computed<>(List.of(w, k), audit, body);
        });
  }

  private static String slug(String name) {
    String s =
        name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    return s.length() > 63 ? s.substring(0, 63).replaceAll("-+$", "") : s;
  }

  // ---- keys

  private record NewKey(String keyId, String key, String hash) {}

  private NewKey newKey() {
    byte[] id = new byte[8];
    byte[] secret = new byte[32];
    RANDOM.nextBytes(id);
    RANDOM.nextBytes(secret);
    String keyId = "k_" + HexFormat.of().formatHex(id);
    String key =
        KEY_PREFIX + keyId + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    return new NewKey(keyId, key, hasher.hash(key));
  }

  /**
   * A new key in the caller's workspace, shown once.
   *
   * @throws ApiException 403 when the role is above the caller's, 400 when it expires in the past
   */
  public CompletableFuture<Map<String, Object>> createKey(
      Principal caller, TenancyRequests.NewKey req) {
    if (!caller.role().atLeast(req.role())) {
      throw ApiException.forbidden(
          "a "
              + caller.role().wire()
              + " cannot create a "
              + req.role().wire()
              + " key: a key never exceeds its creator's role");
    }
    long now = clock.millis();
    if (req.expiresAt() != null && req.expiresAt() <= now) {
      throw ApiException.badRequest("'expiresAt' is in the past");
    }
    NewKey key = newKey();
    String ws = caller.workspaceId();
    return writer.submit(
        view -> {
          ApiKeyRecord k =
              new ApiKeyRecord(
                  ws,
                  key.keyId(),
                  req.name(),
                  req.role(),
                  key.hash(),
                  now,
                  caller.subject(),
                  req.expiresAt(),
                  null,
                  null,
                  1);
          return new ControlPlaneWriter.Computed<>(
              List.of(k),
              List.of(
                  audit(
                      ws,
                      now,
                      AuditEvent.KEY_CREATE,
                      caller,
                      1,
                      "key:" + k.keyId() + " role=" + k.role().wire())),
              createdKeyJson(k, key.key()));
        });
  }

  private static Map<String, Object> createdKeyJson(ApiKeyRecord k, String key) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("keyId", k.keyId());
    json.put("key", key);
    json.put("name", k.name());
    json.put("role", k.role().wire());
    json.put("workspaceId", k.workspaceId());
    json.put("createdAt", k.createdAt());
    json.put("createdBy", k.createdBy());
    if (k.expiresAt() != null) {
      json.put("expiresAt", k.expiresAt());
    }
    return json;
  }

  /** The caller's workspace's keys, newest last; never a key or its hash. */
  public Map<String, Object> keys(Principal caller) {
    long now = clock.millis();
    List<Map<String, Object>> keys = new ArrayList<>();
    for (ApiKeyRecord k : store.keys(caller.workspaceId())) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("keyId", k.keyId());
      json.put("name", k.name());
      json.put("role", k.role().wire());
      json.put(
          "status", k.revokedAt() != null ? "revoked" : k.refusedAt(now) ? "expired" : "active");
      json.put("createdAt", k.createdAt());
      json.put("createdBy", k.createdBy());
      json.put("expiresAt", k.expiresAt());
      json.put("revokedAt", k.revokedAt());
      json.put("revokedBy", k.revokedBy());
      long used =
          Math.max(
              usage.unwritten(k.workspaceId(), k.keyId()),
              store.usage(k.workspaceId(), k.keyId()).map(u -> u.lastUsedAt()).orElse(0L));
      json.put("lastUsedAt", used == 0 ? null : used);
      keys.add(json);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("workspaceId", caller.workspaceId());
    body.put("keys", keys);
    return body;
  }

  /**
   * Revokes a key of the caller's workspace: refused by this instance once this completes, by the
   * others once their feed has read it. Revoking a revoked key changes nothing.
   *
   * @throws ApiException 404 when the workspace has no such key; 403 when a non-owner revokes an
   *     Owner key
   */
  public CompletableFuture<Void> revokeKey(Principal caller, String keyId) {
    String ws = caller.workspaceId();
    if (!ApiKeyRecord.KEY_ID.matcher(keyId).matches()) {
      throw ApiException.notFound("no key '" + keyId + "' in this workspace");
    }
    // Looked up by the writer, which has read the topic to its end: a key created through another
    // instance a
    // moment ago is found even if this instance's feed has not read it yet.
    long now = clock.millis();
    return writer.submit(
        view -> {
          ApiKeyRecord k =
              view.get("api-key/" + ws + "/" + keyId)
                  .map(ApiKeyRecord.class::cast)
                  .orElseThrow(
                      () -> ApiException.notFound("no key '" + keyId + "' in this workspace"));
          if (k.role() == Role.OWNER && !caller.can(Permission.OWNERSHIP_MANAGE)) {
            throw ApiException.forbidden("only an owner may revoke an owner key");
          }
          if (k.revokedAt() != null) {
            return new ControlPlaneWriter.Computed<Void>(List.of(), List.of(), null);
          }
          Change change = new Change(caller, now);
          change.revoke(k);
          return change.answering(null);
        });
  }

  // ---- members

  public Map<String, Object> members(Principal caller) {
    List<Map<String, Object>> members = new ArrayList<>();
    for (MemberRecord m : store.members(caller.workspaceId())) {
      if (m.removedAt() != null) {
        continue;
      }
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("email", m.email());
      json.put("role", m.role().wire());
      json.put("addedAt", m.addedAt());
      json.put("addedBy", m.addedBy());
      members.add(json);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("workspaceId", caller.workspaceId());
    body.put("members", members);
    return body;
  }

  /**
   * Adds a person to the caller's workspace, or changes their role.
   *
   * @throws ApiException 403 when a non-owner gives or changes the Owner role
   */
  public CompletableFuture<Map<String, Object>> addMember(
      Principal caller, TenancyRequests.NewMember req) {
    if (req.role() == Role.OWNER && !caller.can(Permission.OWNERSHIP_MANAGE)) {
      throw ApiException.forbidden("only an owner may make someone an owner");
    }
    String ws = caller.workspaceId();
    long now = clock.millis();
    return writer.submit(
        view -> {
          Optional<MemberRecord> held =
              view.get("member/" + ws + "/" + req.email()).map(MemberRecord.class::cast);
          if (held.isPresent()
              && held.get().removedAt() == null
              && held.get().role() == Role.OWNER
              && !caller.can(Permission.OWNERSHIP_MANAGE)) {
            throw ApiException.forbidden("only an owner may change an owner's role");
          }
          long revision = held.map(m -> m.revision() + 1).orElse(1L);
          MemberRecord m =
              new MemberRecord(ws, req.email(), req.role(), now, caller.subject(), null, revision);
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("workspaceId", ws);
          body.put("email", m.email());
          body.put("role", m.role().wire());
          body.put("addedAt", now);
          body.put("addedBy", caller.subject());
          return new ControlPlaneWriter.Computed<>(
              List.of(m),
              List.of(
                  audit(
                      ws,
                      now,
                      AuditEvent.MEMBER_ADD,
                      caller,
                      revision,
                      "member:" + m.email() + " role=" + m.role().wire())),
              body);
        });
  }

  // ---- workspace lifecycle

  /**
   * Removes a person from the caller's workspace, and revokes the keys they got by accepting
   * invitations to it, in one transaction.
   *
   * @throws ApiException 404 when the workspace has no such member; 403 when a non-owner removes an
   *     owner; 409 {@code last-owner} when they are its last owner
   */
  public CompletableFuture<Void> removeMember(Principal caller, String emailParam) {
    String email;
    try {
      email = MemberRecord.normalizeEmail(emailParam);
    } catch (IllegalArgumentException e) {
      throw ApiException.notFound("no member '" + emailParam + "' in this workspace");
    }
    String ws = caller.workspaceId();
    long now = clock.millis();
    return writer.submit(
        view -> {
          MemberRecord m =
              activeMember(view, ws, email)
                  .orElseThrow(
                      () -> ApiException.notFound("no member '" + email + "' in this workspace"));
          if (m.role() == Role.OWNER) {
            if (!caller.can(Permission.OWNERSHIP_MANAGE)) {
              throw ApiException.forbidden("only an owner may remove an owner");
            }
            if (activeMembers(view, ws).stream()
                .noneMatch(o -> o.role() == Role.OWNER && !o.email().equals(email))) {
              throw ApiException.conflict(
                  "last-owner",
                  "'"
                      + email
                      + "' is the workspace's last owner: make someone "
                      + "else owner first (POST /api/v1/workspaces/"
                      + ws
                      + "/transfer)");
            }
          }
          Change change = new Change(caller, now);
          change.write(
              new MemberRecord(
                  ws, email, m.role(), m.addedAt(), m.addedBy(), now, m.revision() + 1),
              AuditEvent.MEMBER_REMOVE,
              "member:" + email + " role=" + m.role().wire());
          for (ApiKeyRecord k : activeKeys(view, ws, now)) {
            // Their keys: those made by accepting an invitation for this email.
            boolean theirs =
                k.createdBy().startsWith("invitation:")
                    && view.get(
                            "invitation/"
                                + ws
                                + "/"
                                + k.createdBy().substring("invitation:".length()))
                        .map(i -> ((InvitationRecord) i).email().equals(email))
                        .orElse(false);
            if (theirs) {
              change.revoke(k);
            }
          }
          return change.answering(null);
        });
  }

  /**
   * Makes a member of the caller's workspace its owner; every other member who was owner becomes
   * admin, in one transaction. API keys keep their roles (revoke a former owner's owner keys to
   * take their access).
   *
   * @throws ApiException 404 when {@code workspaceId} is not the caller's workspace or the email
   *     not a member of it
   */
  public CompletableFuture<Map<String, Object>> transferOwnership(
      Principal caller, String workspaceId, TenancyRequests.Transfer req) {
    String ws = ownWorkspace(caller, workspaceId);
    long now = clock.millis();
    return writer.submit(
        view -> {
          MemberRecord target =
              activeMember(view, ws, req.email())
                  .orElseThrow(
                      () ->
                          ApiException.notFound(
                              "no member '"
                                  + req.email()
                                  + "' in this workspace: add or invite "
                                  + "them first"));
          Change change = new Change(caller, now);
          List<String> demoted = new ArrayList<>();
          if (target.role() != Role.OWNER) {
            change.write(
                new MemberRecord(
                    ws,
                    target.email(),
                    Role.OWNER,
                    now,
                    caller.subject(),
                    null,
                    target.revision() + 1),
                AuditEvent.OWNERSHIP_TRANSFER,
                "member:" + target.email() + " role=owner");
          }
          for (MemberRecord m : activeMembers(view, ws)) {
            if (m.role() == Role.OWNER && !m.email().equals(target.email())) {
              change.write(
                  new MemberRecord(
                      ws, m.email(), Role.ADMIN, now, caller.subject(), null, m.revision() + 1),
                  AuditEvent.OWNERSHIP_TRANSFER,
                  "member:" + m.email() + " role=admin");
              demoted.add(m.email());
            }
          }
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("workspaceId", ws);
          body.put("owner", target.email());
          body.put("demoted", demoted);
          return change.answering(body);
        });
  }

  /**
   * Deletes the caller's workspace: marks it deleted and revokes every key of it, in one
   * transaction, so its keys are {@code 401} on this instance at once and on the others once their
   * feed has read it. Its missions, costs and audit stay in history; its id is never given again.
   *
   * @throws ApiException 404 when it is not the caller's workspace; 409 {@code workspace-protected}
   *     for a workspace of the tokens file (its tokens are revoked by editing the file)
   */
  public CompletableFuture<Void> deleteWorkspace(Principal caller, String workspaceId) {
    String ws = ownWorkspace(caller, workspaceId);
    if (tokens.workspaces().contains(ws)) {
      throw ApiException.conflict(
          "workspace-protected",
          "workspace '"
              + ws
              + "' is the tokens file's: it cannot be "
              + "deleted through the API (remove its lines from the file and restart the API)");
    }
    long now = clock.millis();
    return writer.submit(
        view -> {
          WorkspaceRecord w =
              view.get("workspace/" + ws)
                  .map(WorkspaceRecord.class::cast)
                  .filter(r -> !r.deleted())
                  .orElseThrow(() -> ApiException.notFound("no workspace '" + ws + "'"));
          Change change = new Change(caller, now);
          change.write(
              w.deleted(now, caller.subject()), AuditEvent.WORKSPACE_DELETE, "workspace:" + ws);
          for (ApiKeyRecord k : activeKeys(view, ws, now)) {
            change.revoke(k);
          }
          return change.answering(null);
        });
  }

  /**
   * @throws ApiException 404 unless {@code workspaceId} is the caller's workspace
   */
  private static String ownWorkspace(Principal caller, String workspaceId) {
    if (!caller.workspaceId().equals(workspaceId)) {
      throw ApiException.notFound(
          "no workspace '" + workspaceId + "' for this credential: act with a key of it");
    }
    return workspaceId;
  }

  private static Optional<MemberRecord> activeMember(
      ControlPlaneWriter.View view, String ws, String email) {
    return view.get("member/" + ws + "/" + email)
        .map(MemberRecord.class::cast)
        .filter(m -> m.removedAt() == null);
  }

  /** The workspace's members in force, each as the batch's view has it now. */
  private static List<MemberRecord> activeMembers(ControlPlaneWriter.View view, String ws) {
    return view.store().members(ws).stream()
        .map(m -> activeMember(view, ws, m.email()).orElse(null))
        .filter(java.util.Objects::nonNull)
        .toList();
  }

  /** The workspace's keys in force at {@code now}, each as the batch's view has it now. */
  private static List<ApiKeyRecord> activeKeys(ControlPlaneWriter.View view, String ws, long now) {
    return view.store().keys(ws).stream()
        .map(k -> view.get(k.key()).map(ApiKeyRecord.class::cast).orElse(k))
        .filter(k -> !k.refusedAt(now))
        .toList();
  }

  // ---- invitations

  /**
   * An invitation to the caller's workspace; its accept token is in the answer only.
   *
   * @throws ApiException 403 when a non-owner invites an owner; 400 when it expires in the past
   */
  public CompletableFuture<Map<String, Object>> invite(
      Principal caller, TenancyRequests.NewInvitation req) {
    if (req.role() == Role.OWNER && !caller.can(Permission.OWNERSHIP_MANAGE)) {
      throw ApiException.forbidden("only an owner may invite an owner");
    }
    long now = clock.millis();
    long expiresAt = req.expiresAt() == null ? now + INVITATION_LIFETIME_MS : req.expiresAt();
    if (expiresAt <= now) {
      throw ApiException.badRequest("'expiresAt' is in the past");
    }
    byte[] id = new byte[8];
    byte[] secret = new byte[32];
    RANDOM.nextBytes(id);
    RANDOM.nextBytes(secret);
    String invitationId = "i_" + HexFormat.of().formatHex(id);
    String token =
        INVITATION_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    String tokenHash = hasher.hash(token);
    String ws = caller.workspaceId();
    return writer.submit(
        view -> {
          InvitationRecord inv =
              new InvitationRecord(
                  ws,
                  invitationId,
                  req.email(),
                  req.role(),
                  tokenHash,
                  expiresAt,
                  now,
                  caller.subject(),
                  null,
                  1);
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("invitationId", invitationId);
          body.put("workspaceId", ws);
          body.put("email", inv.email());
          body.put("role", inv.role().wire());
          body.put("expiresAt", expiresAt);
          body.put("token", token);
          body.put("acceptPath", "/api/v1/invitations/" + token + "/accept");
          return new ControlPlaneWriter.Computed<>(
              List.of(inv),
              List.of(
                  audit(
                      ws,
                      now,
                      AuditEvent.INVITATION_CREATE,
                      caller,
                      1,
                      "invitation:"
                          + invitationId
                          + " member:"
                          + inv.email()
                          + " role="
                          + inv.role().wire())),
              body);
        });
  }

  /**
   * Accepts an invitation: the person becomes a member with the invitation's role and gets an API
   * key of that role (shown once), in one transaction. The token is the credential; it works once.
   *
   * @throws ApiException 404 for an unknown token, 409 {@code invitation-used}, 410 {@code
   *     invitation-expired}
   */
  public CompletableFuture<Map<String, Object>> accept(String token) {
    String hash = token.startsWith(INVITATION_PREFIX) ? hasher.hashIfKnown(token) : null;
    if (hash == null) {
      throw ApiException.notFound("no such invitation");
    }
    NewKey key = newKey();
    long now = clock.millis();
    // Looked up by the writer, after it read the topic to its end (an invitation made through
    // another instance a
    // moment ago is found), and again through the batch's view (one accepted earlier in the same
    // batch is used).
    return writer.submit(
        view -> {
          InvitationRecord inv =
              view.store()
                  .invitationByHash(hash)
                  .flatMap(found -> view.get(found.key()))
                  .map(InvitationRecord.class::cast)
                  .orElseThrow(() -> ApiException.notFound("no such invitation"));
          if (inv.acceptedAt() != null) {
            throw ApiException.conflict("invitation-used", "this invitation was accepted already");
          }
          if (!inv.openAt(now)) {
            throw new ApiException(
                410, "invitation-expired", "Gone", "this invitation has expired");
          }
          String ws = inv.workspaceId();
          if (view.get("workspace/" + ws).map(w -> ((WorkspaceRecord) w).deleted()).orElse(false)) {
            throw ApiException.conflict(
                "workspace-deleted", "the workspace of this invitation was deleted");
          }
          String by = "invitation:" + inv.invitationId();
          Optional<MemberRecord> held =
              view.get("member/" + ws + "/" + inv.email()).map(MemberRecord.class::cast);
          long revision = held.map(m -> m.revision() + 1).orElse(1L);
          MemberRecord member =
              new MemberRecord(ws, inv.email(), inv.role(), now, inv.createdBy(), null, revision);
          ApiKeyRecord k =
              new ApiKeyRecord(
                  ws,
                  key.keyId(),
                  inv.email(),
                  inv.role(),
                  key.hash(),
                  now,
                  by,
                  null,
                  null,
                  null,
                  1);
          InvitationRecord accepted = inv.accepted(now);
          Principal actor = new Principal(ws, inv.email(), inv.role(), null);
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("workspaceId", ws);
          body.put("email", inv.email());
          body.put("role", inv.role().wire());
          body.put("key", createdKeyJson(k, key.key()));
          return new ControlPlaneWriter.Computed<>(
              List.of(accepted, member, k),
              List.of(
                  audit(
                      ws,
                      now,
                      AuditEvent.INVITATION_ACCEPT,
                      actor,
                      accepted.revision(),
                      "invitation:"
                          + inv.invitationId()
                          + " member:"
                          + inv.email()
                          + " role="
                          + inv.role().wire()),
                  audit(
                      ws,
                      now,
                      AuditEvent.KEY_CREATE,
                      actor,
                      1,
                      "key:" + k.keyId() + " role=" + k.role().wire())),
              body);
        });
  }

  private static AuditEvent audit(
      String ws, long now, String action, Principal caller, long revision, String target) {
    return AuditEvent.controlPlane(
        UUID.randomUUID().toString(), ws, now, action, caller.subject(), revision, target);
  }

  /**
   * A change of several records, each written with its audit event (by {@code caller} at {@code
   * now}, for the record's workspace and revision), in order.
   */
  private static final class Change {
    private final Principal caller;
    private final long now;
    private final List<ControlPlaneRecord> records = new ArrayList<>();
    private final List<AuditEvent> audit = new ArrayList<>();

    Change(Principal caller, long now) {
      this.caller = caller;
      this.now = now;
    }

    /** Writes {@code record}, audited as {@code action} on {@code target}. */
    void write(ControlPlaneRecord record, String action, String target) {
      records.add(record);
      audit.add(audit(record.workspaceId(), now, action, caller, record.revision(), target));
    }

    /** Revokes {@code key}. */
    void revoke(ApiKeyRecord key) {
      write(key.revoked(now, caller.subject()), AuditEvent.KEY_REVOKE, "key:" + key.keyId());
    }

    /** The change, answered with {@code response} once committed. */
    <T> ControlPlaneWriter.Computed<T> answering(T response) {
      return new ControlPlaneWriter.Computed<>(records, audit, response);
    }
  }
}
