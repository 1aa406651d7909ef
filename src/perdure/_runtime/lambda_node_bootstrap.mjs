// Perdure's runtime for Node.js handlers: the stand-in for Lambda's Node.js runtime
// interface client inside a process that Perdure starts (lambda_node.py).
//
// It does what Lambda's runtime does, with Node's standard library only:
//   1. init: load the handler named by _HANDLER ("path/file.fn") from LAMBDA_TASK_ROOT,
//      as Lambda loads it (file.js, file.mjs, file.cjs, or a package of that name; ES
//      modules through import(), CommonJS through require()); a failure is posted to
//      /runtime/init/error in Lambda's words and the process ends;
//   2. then, for as long as the process lives (a warm environment): GET
//      /runtime/invocation/next from AWS_LAMBDA_RUNTIME_API, call the handler with the
//      event and a Lambda context, and POST the result to /response or the error to
//      /error.
// Perdure enforces the timeout and reads crashes from outside (it kills this process).
//
// Output goes to stdout (stderr is the same pipe), console lines formatted as Lambda's
// runtime formats them. After each invocation a marker line (OUTPUT_END, the same as
// lambda_bootstrap.END_MARKER) tells Perdure that everything the invocation wrote has
// been read. The process ends at once when Perdure's process is gone: it holds the only
// write end of the pipe at PERDURE_LIFELINE_FD and never writes to it.

import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import util from "node:util";

const OUTPUT_END = "\x1eperdure-invocation-end ";
const API = process.env.AWS_LAMBDA_RUNTIME_API;
const BASE = "/2018-06-01/runtime";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

let currentRequestId = "";

// -- the lifeline ---------------------------------------------------------------------

function watchLifeline() {
  const fd = Number.parseInt(process.env.PERDURE_LIFELINE_FD ?? "", 10);
  delete process.env.PERDURE_LIFELINE_FD;
  if (!Number.isInteger(fd)) return;
  try {
    const lifeline = new net.Socket({ fd, readable: true, writable: false });
    lifeline.on("data", () => {});
    lifeline.on("end", () => process.exit(1));
    lifeline.on("error", () => process.exit(1));
    lifeline.unref();
  } catch {
    // Not a pipe after all: Perdure still kills the process group when it closes it.
  }
}

// -- the Runtime API --------------------------------------------------------------------

function request(method, route, body, headers = {}) {
  const [host, port] = splitAddress(API);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host,
        port,
        method,
        path: BASE + route,
        agent,
        headers: body === undefined ? headers : { ...headers, "Content-Length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function splitAddress(address) {
  const colon = address.lastIndexOf(":");
  return [address.slice(0, colon).replace(/^\[|\]$/g, ""), Number(address.slice(colon + 1))];
}

// The runtime cannot go on without the Runtime API: Perdure is gone, or closed it.
function lost(error) {
  process.stdout.write(`perdure runtime: the Runtime API is unreachable (${error.message ?? error}); exiting\n`);
  process.exit(1);
}

async function post(route, payload, errorType) {
  const headers = { "Content-Type": "application/json" };
  if (errorType) headers["Lambda-Runtime-Function-Error-Type"] = errorType;
  try {
    return await request("POST", route, payload, headers);
  } catch (error) {
    lost(error);
  }
}

// -- errors as Lambda's runtime shapes them ---------------------------------------------

class RuntimeError extends Error {
  constructor(name, message, cause) {
    super(message);
    this.name = name;
    if (cause?.stack) this.stack = `${name}: ${message}\n${cause.stack}`;
  }
}

function errorBody(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || "Error",
      errorMessage: error.message ?? "",
      trace: String(error.stack ?? "").split("\n"),
    };
  }
  let message;
  try {
    message = typeof error === "string" ? error : JSON.stringify(error) ?? String(error);
  } catch {
    message = String(error);
  }
  return { errorType: typeof error, errorMessage: message, trace: [] };
}

// -- console output, as Lambda formats it ------------------------------------------------

function patchConsole() {
  const json = (process.env.AWS_LAMBDA_LOG_FORMAT ?? "Text").toUpperCase() === "JSON";
  const levels = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
  const threshold = json ? levels[(process.env.AWS_LAMBDA_LOG_LEVEL ?? "INFO").toUpperCase()] ?? 3 : 0;
  const write = (level, args) => {
    if (levels[level] < threshold) return;
    const timestamp = new Date().toISOString();
    const message = util.format(...args);
    if (json) {
      const record = { timestamp, level, requestId: currentRequestId || undefined, message };
      process.stdout.write(`${JSON.stringify(record)}\n`);
    } else {
      // One line per message, as Lambda keeps a multi-line message one log event.
      const text = `${timestamp}\t${currentRequestId || "undefined"}\t${level}\t${message}`;
      process.stdout.write(`${text.replace(/\n/g, "\r")}\n`);
    }
  };
  console.log = (...args) => write("INFO", args);
  console.info = (...args) => write("INFO", args);
  console.warn = (...args) => write("WARN", args);
  console.error = (...args) => write("ERROR", args);
  console.debug = (...args) => write("DEBUG", args);
  console.trace = (...args) => write("TRACE", args);
  console.fatal = (...args) => write("FATAL", args);
}

// -- loading the handler, as Lambda's Node.js runtime does -------------------------------

function splitHandler(setting) {
  const slash = setting.lastIndexOf("/");
  const folder = setting.slice(0, slash + 1);
  const match = setting.slice(slash + 1).match(/^([^.]+)\.(.+)$/);
  if (!match) {
    throw new RuntimeError("Runtime.MalformedHandlerName", `Bad handler ${setting}`);
  }
  return [folder, match[1], match[2]];
}

function isModuleType(file) {
  let folder = path.dirname(file);
  for (;;) {
    const manifest = path.join(folder, "package.json");
    if (existsSync(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    const parent = path.dirname(folder);
    if (parent === folder) return false;
    folder = parent;
  }
}

async function loadFile(file, asModule) {
  if (asModule) return import(pathToFileURL(file).href);
  return createRequire(file)(file);
}

async function loadModule(root, folder, name) {
  const base = path.resolve(root, folder, name);
  try {
    if (existsSync(`${base}.js`)) return await loadFile(`${base}.js`, isModuleType(`${base}.js`));
    if (existsSync(`${base}.mjs`)) return await loadFile(`${base}.mjs`, true);
    if (existsSync(`${base}.cjs`)) return await loadFile(`${base}.cjs`, false);
    // A package of that name under node_modules, as require() finds one.
    let resolved;
    try {
      resolved = createRequire(path.join(root, folder, "index.js")).resolve(name, {
        paths: [path.resolve(root, folder), root],
      });
    } catch {
      throw new RuntimeError("Runtime.ImportModuleError", `Error: Cannot find module '${name}'`);
    }
    return await loadFile(resolved, resolved.endsWith(".mjs") || (resolved.endsWith(".js") && isModuleType(resolved)));
  } catch (error) {
    if (error instanceof RuntimeError) throw error;
    if (error instanceof SyntaxError) {
      throw new RuntimeError("Runtime.UserCodeSyntaxError", `${error.name}: ${error.message}`, error);
    }
    if (error?.code === "MODULE_NOT_FOUND" || error?.code === "ERR_MODULE_NOT_FOUND") {
      throw new RuntimeError("Runtime.ImportModuleError", `Error: ${error.message}`, error);
    }
    throw error;
  }
}

async function loadHandler(setting, root) {
  const [folder, name, attribute] = splitHandler(setting);
  const loaded = await loadModule(root, folder, name);
  let handler = loaded;
  for (const part of attribute.split(".")) {
    handler = handler?.[part];
  }
  // An ES module that exports CommonJS-style (`export default { handler }`).
  if (handler === undefined && loaded?.default !== undefined) {
    handler = attribute.split(".").reduce((value, part) => value?.[part], loaded.default);
  }
  if (handler === undefined) {
    throw new RuntimeError("Runtime.HandlerNotFound", `${name}.${attribute} is undefined or not exported`);
  }
  if (typeof handler !== "function") {
    throw new RuntimeError("Runtime.HandlerNotFound", `${name}.${attribute} is not a function`);
  }
  return handler;
}

// -- invocations -----------------------------------------------------------------------

function lambdaContext(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  const parse = (value) => {
    try {
      return value ? JSON.parse(value) : undefined;
    } catch {
      return undefined;
    }
  };
  const env = process.env;
  return {
    callbackWaitsForEmptyEventLoop: true,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    tenantId: headers["lambda-runtime-aws-tenant-id"],
    clientContext: parse(headers["lambda-runtime-client-context"]),
    identity: parse(headers["lambda-runtime-cognito-identity"]),
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

// The handler's outcome: an async handler's promise, or what a callback-style handler
// (three parameters) passes to its callback or to context.done/succeed/fail.
function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    context.done = done;
    context.succeed = (result) => done(null, result);
    context.fail = (error) => done(error ?? new Error("handled"));
    let returned;
    try {
      returned = handler(event, context, done);
    } catch (error) {
      done(error);
      return;
    }
    if (returned && typeof returned.then === "function") {
      returned.then(
        (result) => done(null, result),
        (error) => done(error),
      );
    } else if (handler.length < 3) {
      done(null, returned);
    }
  });
}

function endOutput(requestId) {
  process.stdout.write(`${OUTPUT_END}${requestId}\n`);
}

async function invokeOnce(handler) {
  let next;
  try {
    next = await request("GET", "/invocation/next");
  } catch (error) {
    lost(error);
  }
  if (next.status !== 200) lost(new Error(`invocation/next answered HTTP ${next.status}`));
  const requestId = next.headers["lambda-runtime-aws-request-id"];
  currentRequestId = requestId;
  if (next.headers["lambda-runtime-trace-id"]) {
    process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"];
  } else {
    delete process.env._X_AMZN_TRACE_ID;
  }
  const route = `/invocation/${encodeURIComponent(requestId)}`;
  let outcome;
  try {
    const event = JSON.parse(next.body);
    const result = await runHandler(handler, event, lambdaContext(next.headers));
    let body;
    try {
      body = JSON.stringify(result === undefined ? null : result);
    } catch (error) {
      throw new RuntimeError("Runtime.MarshalError", `Unable to stringify response body: ${error.message}`, error);
    }
    outcome = [`${route}/response`, body, undefined];
  } catch (error) {
    const shaped = errorBody(error);
    console.error("Invoke Error", JSON.stringify(shaped));
    outcome = [`${route}/error`, JSON.stringify(shaped), shaped.errorType];
  }
  endOutput(requestId);
  // A refusal (413 for a response over 6 MB) has failed the invocation already.
  await post(...outcome);
  currentRequestId = "";
}

// An error nobody caught ends the invocation under way, then the process, as on Lambda.
function failFast(error, errorType) {
  const shaped = errorBody(error);
  if (errorType) shaped.errorType = errorType;
  process.stdout.write(`${JSON.stringify(shaped)}\n`);
  const route = currentRequestId ? `/invocation/${encodeURIComponent(currentRequestId)}/error` : "/init/error";
  if (currentRequestId) endOutput(currentRequestId);
  post(route, JSON.stringify(shaped), shaped.errorType).finally(() => process.exit(129));
}

async function main() {
  watchLifeline();
  if (!API) {
    process.stderr.write("perdure runtime: AWS_LAMBDA_RUNTIME_API is not set\n");
    process.exit(2);
  }
  patchConsole();
  process.on("uncaughtException", (error) => failFast(error));
  process.on("unhandledRejection", (reason) =>
    failFast(reason instanceof Error ? reason : new Error(String(reason)), "Runtime.UnhandledPromiseRejection"),
  );
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  let handler;
  try {
    handler = await loadHandler(process.env._HANDLER ?? "", root);
  } catch (error) {
    const shaped = errorBody(error);
    console.error("Init Error", JSON.stringify({ ...shaped, trace: undefined }));
    await post("/init/error", JSON.stringify(shaped), shaped.errorType);
    process.exit(1);
  }
  for (;;) {
    await invokeOnce(handler);
  }
}

main();
