// A durable function written for AWS Lambda with AWS's JavaScript SDK, as a user writes
// it: the SDK's own import, withDurableExecution, Lambda's (event, context). Perdure runs
// it unchanged; nothing here knows of Perdure.
//
// It uses every durable operation: a step that fails once and is retried, a wait, a
// callback (createCallback), a waitForCallback, a waitForCondition, a map, a parallel, a
// child context and an invoke of the greeter function.
import {
  createRetryStrategy,
  JitterStrategy,
  withDurableExecution,
} from "@aws/durable-execution-sdk-js";

const retryOnce = createRetryStrategy({
  maxAttempts: 3,
  initialDelay: { seconds: 1 },
  jitter: JitterStrategy.NONE,
});

export const handler = withDurableExecution(async (event, context) => {
  const items = event.items;
  const reservation = await context.step(
    "reserve",
    async (step) => {
      if (step.attempt < 2) throw new Error(`inventory busy on attempt ${step.attempt}`);
      return { reserved: items, attempt: step.attempt };
    },
    { retryStrategy: retryOnce },
  );
  await context.wait("cool-off", { seconds: 1 });
  const [approval, callbackId] = await context.createCallback("approval", {
    timeout: { minutes: 5 },
  });
  await context.step("request-approval", async () => callbackId);
  const approved = await approval;
  const packed = await context.waitForCallback(
    "packing",
    async (id, callbackContext) => {
      callbackContext.logger.info("warehouse asked", { callbackId: id });
    },
    { timeout: { minutes: 5 } },
  );
  const polled = await context.waitForCondition(
    "stock-arrived",
    async (state) => ({ checks: state.checks + 1 }),
    {
      initialState: { checks: 0 },
      waitStrategy: (state) =>
        state.checks >= 2 ? { shouldContinue: false } : { shouldContinue: true, delay: { seconds: 1 } },
    },
  );
  const prices = await context.map("prices", items, async (child, item) =>
    child.step(`price-${item}`, async () => item.length * 10),
  );
  const checks = await context.parallel("checks", [
    async (child) => child.step("fraud", async () => "fraud-ok"),
    async () => "stock-ok",
  ]);
  const shipped = await context.runInChildContext("shipping", async (child) => {
    const label = await child.step("label", async () => `label-${items.length}`);
    return child.step("dispatch", async () => `${label}-sent`);
  });
  const greeting = await context.invoke("thank", "greeter", { name: event.customer ?? "you" });
  return {
    reservation,
    approved,
    packed,
    polled,
    total: prices.getResults().reduce((sum, price) => sum + price, 0),
    checks: checks.getResults(),
    shipped,
    greeting,
    remainingMsPositive: context.lambdaContext.getRemainingTimeInMillis() > 0,
  };
});
