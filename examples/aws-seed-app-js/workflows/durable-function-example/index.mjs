// The durable function: a batch of work items through every durable operation.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { aggregate, processItem, toWorkItems } from "./lib/data-processor.mjs";
import { createParallelOperations } from "./lib/parallel-operations.mjs";
import { checkSystemReadiness, runIsolatedOperations } from "./lib/advanced-operations.mjs";

export const handler = withDurableExecution(async (event, context) => {
  const executionArn = context.executionContext.durableExecutionArn;
  const executionId = executionArn.split("/").pop();
  const startedAt = await context.step("start-time", async () => Date.now());

  // 1. Process input data into work items.
  context.logger.info("Executing step: processInputData");
  const workItems = await context.step("processInputData", async () => toWorkItems(event.items ?? []));

  // 2. Wait for an external system to confirm the batch.
  const approval = await context.waitForCallback(
    "external-approval",
    async (callbackId) => {
      context.logger.info(`Waiting for callback: ${callbackId}`);
    },
    { timeout: { minutes: 60 } },
  );
  context.logger.info(`Callback received: ${approval}`);

  // 3. A time-based wait.
  await context.wait("cool-down", { seconds: 5 });

  // 4. Three tasks in parallel.
  context.logger.info("Executing 3 parallel operations");
  const parallel = await context.parallel("parallel-tasks", createParallelOperations(workItems.length));
  const parallelResults = parallel.getResults();

  // 5. Each work item in a map, one checkpoint each.
  context.logger.info(`Processing ${workItems.length} items with map operation`);
  const mapped = await context.map("process-items", workItems, async (child, item) =>
    child.step(`process-${item.id}`, async () => processItem(item)),
  );
  const processedItems = mapped.getResults();

  // 6. Poll the external system until it is ready.
  context.logger.info("Polling system readiness...");
  const conditionResult = await context.waitForCondition("system-ready", checkSystemReadiness, {
    initialState: { ready: false, attempts: 0 },
    waitStrategy: (state) =>
      state.ready ? { shouldContinue: false } : { shouldContinue: true, delay: { seconds: 3 } },
  });

  // 7. Invoke the Hello World function.
  context.logger.info("Invoking Hello World function");
  const invokeResult = await context.invoke("invoke-hello-world", process.env.HELLO_WORLD_FUNCTION_ARN, {
    name: `DurableExecution-${executionId}`,
  });

  // 8. Isolated operations in a child context.
  context.logger.info("Executing in child context");
  const childContextResult = await context.runInChildContext("isolated-operations", runIsolatedOperations);

  // 9. Final aggregation.
  context.logger.info("Executing step: aggregateResults");
  return context.step("aggregateResults", async () =>
    aggregate({
      workflowId: event.workflowId ?? "durable-demo-001",
      executionId,
      processedItems,
      parallelResults,
      advancedOperations: { conditionResult, invokeResult, childContextResult },
      startedAt,
      completedAt: Date.now(),
    }),
  );
});
