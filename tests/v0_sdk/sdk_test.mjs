// Blaxel's own TypeScript SDK (@blaxel/core, pinned in package-lock.json)
// against a real workspaced: every call goes through the SDK's client, its
// interceptors (x-blaxel-authorization, x-blaxel-workspace, Blaxel-Version)
// and its typed results. Run by run.sh with the server's URL and tokens in
// the environment (BL_API_URL, WS_TOKEN_<who>, WS_ACCOUNT).
import assert from "node:assert/strict";
import {
  initialize, listWorkspaces, createWorkspace, getWorkspace, updateWorkspace, deleteWorkspace,
  leaveWorkspace, checkWorkspaceAvailability, listWorkspaceUsers, updateWorkspaceUserRole,
  removeWorkspaceUser,
} from "@blaxel/core";

const token = (who) => process.env[`WS_TOKEN_${who}`];
const as = (who, workspace = "sdk-ws") => initialize({ apiKey: token(who), workspace });
let failures = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}

// The contract: Blaxel's Workspace, field by field.
const STATUSES = ["created", "account_binded", "account_configured", "workspace_configured",
  "ready", "error"];
function assertWorkspace(w) {
  assert.equal(typeof w, "object");
  for (const k of ["id", "name", "displayName", "accountId", "region", "status", "createdAt",
    "updatedAt", "createdBy", "updatedBy"]) assert.equal(typeof w[k], "string", k);
  assert.ok(STATUSES.includes(w.status), w.status);
  assert.ok(!Number.isNaN(Date.parse(w.createdAt)));
  assert.equal(typeof w.labels, "object");
  for (const v of Object.values(w.labels)) assert.equal(typeof v, "string");
  assert.ok(Array.isArray(w.groupMappings));
  for (const m of w.groupMappings) {
    assert.equal(typeof m.groupName, "string");
    assert.ok(["admin", "member", "viewer"].includes(m.role));
  }
  assert.equal(typeof w.runtime, "object");
  if ("statusReason" in w) assert.equal(typeof w.statusReason, "string");
  const known = new Set(["id", "name", "displayName", "accountId", "region", "labels",
    "groupMappings", "runtime", "status", "statusReason", "createdAt", "updatedAt", "createdBy",
    "updatedBy", "resourceCounts"]);
  for (const k of Object.keys(w)) assert.ok(known.has(k), `unexpected field ${k}`);
}
// Blaxel's error: {code, error, message} (the SDK adds `documentation` to
// 401 and 403 bodies itself).
function assertError(res, status, word) {
  assert.equal(res.response.status, status, JSON.stringify(res.error ?? res.data));
  assert.equal(res.response.headers.get("content-type"), "application/json");
  const e = res.error;
  assert.equal(e.code, status);
  assert.equal(typeof e.error, "string");
  assert.equal(typeof e.message, "string");
  if (word) assert.equal(e.error, word);
  for (const k of Object.keys(e))
    assert.ok(["code", "error", "message", "documentation"].includes(k), `unexpected ${k}`);
}
function ok(res) {
  assert.equal(res.response.status, 200, JSON.stringify(res.error));
  return res.data;
}

as("admin");
await check("list answers a bare array of workspaces", async () => {
  const list = ok(await listWorkspaces());
  assert.ok(Array.isArray(list));
  list.forEach(assertWorkspace);
});

let created;
await check("create answers 200 with the workspace in its first phase", async () => {
  created = ok(await createWorkspace({ body: {
    name: "sdk-ws", displayName: "SDK Workspace", region: "us-east-1", labels: { team: "sdk" },
    runtime: { generation: "mk3" }, groupMappings: [{ groupName: "eng", role: "member" }],
  } }));
  assertWorkspace(created);
  assert.equal(created.name, "sdk-ws");
  assert.equal(created.displayName, "SDK Workspace");
  assert.equal(created.accountId, process.env.WS_ACCOUNT);
  assert.equal(created.createdBy, "admin");
  assert.deepEqual(created.labels, { team: "sdk" });
  assert.equal(created.runtime.generation, "mk3");
  assert.deepEqual(created.groupMappings, [{ groupName: "eng", role: "member" }]);
  assert.ok(STATUSES.includes(created.status));
});

await check("the saga takes it to ready, seen by get", async () => {
  let w;
  for (let i = 0; i < 200; i++) {
    w = ok(await getWorkspace({ path: { workspaceName: "sdk-ws" } }));
    if (w.status === "ready") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assertWorkspace(w);
  assert.equal(w.status, "ready");
  assert.equal(w.id, created.id);
  const counted = ok(await getWorkspace({ path: { workspaceName: "sdk-ws" },
    query: { countResources: true } }));
  assert.deepEqual(counted.resourceCounts, {});
});

await check("the list holds the new workspace", async () => {
  const list = ok(await listWorkspaces());
  assert.ok(list.some((w) => w.id === created.id && w.name === "sdk-ws"));
});

await check("a second create of the name is 409", async () => {
  assertError(await createWorkspace({ body: { name: "sdk-ws", region: "us-east-1" } }), 409,
    "taken");
});

await check("update changes displayName and labels, never the name", async () => {
  const current = ok(await getWorkspace({ path: { workspaceName: "sdk-ws" } }));
  const updated = ok(await updateWorkspace({ path: { workspaceName: "sdk-ws" },
    body: { ...current, displayName: "Renamed", labels: { team: "sdk", tier: "gold" } } }));
  assertWorkspace(updated);
  assert.equal(updated.displayName, "Renamed");
  assert.deepEqual(updated.labels, { team: "sdk", tier: "gold" });
  assert.equal(updated.updatedBy, "admin");
  const again = ok(await getWorkspace({ path: { workspaceName: "sdk-ws" } }));
  assert.equal(again.displayName, "Renamed");
  assertError(await updateWorkspace({ path: { workspaceName: "sdk-ws" },
    body: { name: "other-name" } }), 400);
});

await check("availability: taken, free, reserved, and the bare boolean", async () => {
  const taken = ok(await checkWorkspaceAvailability({ body: { name: "sdk-ws" },
    query: { withReason: true } }));
  assert.deepEqual(taken, { available: false, message: taken.message, reason: "taken" });
  const free = ok(await checkWorkspaceAvailability({ body: { name: "free-name" },
    query: { withReason: true } }));
  assert.equal(free.available, true);
  const reserved = ok(await checkWorkspaceAvailability({ body: { name: "availability" },
    query: { withReason: true } }));
  assert.equal(reserved.reason, "forbidden_reserved");
  assert.equal(ok(await checkWorkspaceAvailability({ body: { name: "sdk-ws" } })), false);
});

await check("users: put a role, list, the workspace named by the header", async () => {
  const bob = ok(await updateWorkspaceUserRole({ path: { subOrEmail: "bob" },
    body: { role: "member" } }));
  assert.deepEqual(bob, { sub: "bob", role: "member", accepted: true });
  const users = ok(await listWorkspaceUsers());
  assert.ok(users.some((u) => u.sub === "bob" && u.role === "member"));
  assert.ok(users.some((u) => u.sub === "admin" && u.role === "admin"));
  assertError(await updateWorkspaceUserRole({ path: { subOrEmail: "bob" },
    body: { role: "owner" } }), 400);
});

await check("a member reads but may not update: 403", async () => {
  as("bob");
  const w = ok(await getWorkspace({ path: { workspaceName: "sdk-ws" } }));
  assert.equal(w.id, created.id);
  assertError(await updateWorkspace({ path: { workspaceName: "sdk-ws" },
    body: { displayName: "Mine" } }), 403, "forbidden");
  assertError(await createWorkspace({ body: { name: "bobs", region: "us-east-1" } }), 403,
    "forbidden");
});

await check("a stranger and an unknown name get 404", async () => {
  as("carol");
  assertError(await getWorkspace({ path: { workspaceName: "sdk-ws" } }), 404, "not_found");
  as("admin");
  assertError(await getWorkspace({ path: { workspaceName: "no-such-ws" } }), 404, "not_found");
});

await check("an unknown Blaxel-Version is 400 invalid_api_version", async () => {
  process.env.BL_API_VERSION = "1999-01-01";
  try {
    assertError(await listWorkspaces(), 400, "invalid_api_version");
  } finally {
    delete process.env.BL_API_VERSION;
  }
  ok(await listWorkspaces());
});

await check("a bad token is 401", async () => {
  initialize({ apiKey: "not-a-token", workspace: "sdk-ws" });
  assertError(await listWorkspaces(), 401, "unauthorized");
  as("admin");
});

await check("leave: the last admin stays (409); a member leaves", async () => {
  assertError(await leaveWorkspace({ path: { workspaceName: "sdk-ws" } }), 409, "conflict");
  as("bob");
  const left = ok(await leaveWorkspace({ path: { workspaceName: "sdk-ws" } }));
  assertWorkspace(left);
  assertError(await getWorkspace({ path: { workspaceName: "sdk-ws" } }), 404);
  as("admin");
});

await check("remove a user", async () => {
  ok(await updateWorkspaceUserRole({ path: { subOrEmail: "dave" }, body: { role: "viewer" } }));
  assert.deepEqual(ok(await removeWorkspaceUser({ path: { subOrEmail: "dave" } })),
    { sub: "dave" });
  assertError(await removeWorkspaceUser({ path: { subOrEmail: "dave" } }), 404);
});

// The v1 delete: 200 with the workspace as the delete left it; the name is
// gone from then on (404), and a second delete finds nothing either.
await check("delete answers the workspace, then the name is gone", async () => {
  const w = ok(await deleteWorkspace({ path: { workspaceName: "sdk-ws" } }));
  assertWorkspace(w);
  assert.equal(w.name, "sdk-ws");
  assert.ok(!("statusReason" in w), "statusReason is only set for the error status");
  assertError(await getWorkspace({ path: { workspaceName: "sdk-ws" } }), 404);
  assertError(await deleteWorkspace({ path: { workspaceName: "sdk-ws" } }), 404);
});

if (failures > 0) {
  console.log(`${failures} check(s) failed`);
  process.exit(1);
}
console.log("all SDK checks passed");
