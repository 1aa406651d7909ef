// Durable functions written with AWS's JavaScript SDK that misbehave, once, the ways a
// Lambda handler can: its process exits, it hangs past its timeout, it throws before the
// SDK runs, an error escapes every handler. The retried invocation then runs durably.
// They count their attempts in files under ATTEMPTS_DIR (the process may not survive to
// count in memory).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

function attempt(name) {
  const marker = path.join(process.env.ATTEMPTS_DIR, name);
  const count = existsSync(marker) ? Number(readFileSync(marker, "utf8")) : 0;
  writeFileSync(marker, String(count + 1));
  return count;
}

const after = (what) => withDurableExecution(async (event, context) => {
  await context.step("before", async () => "started");
  if (what === "exits" && attempt("exits") === 0) process.exit(3);
  if (what === "hangs" && attempt("hangs") === 0) await new Promise(() => setTimeout(() => {}, 600_000));
  if (what === "uncaught" && attempt("uncaught") === 0) {
    setTimeout(() => {
      throw new Error("escaped from a timer");
    }, 1);
    await new Promise(() => {});
  }
  return context.step("after", async () => `survived: ${what}`);
});

export const exits = after("exits");
export const hangs = after("hangs");
export const uncaught = after("uncaught");

const durable = after("throws");
export const throws = async (event, context) => {
  if (attempt("throws") === 0) throw new Error("the first invocation fails");
  return durable(event, context);
};
