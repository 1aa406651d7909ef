// An ES module (.js under "type": "module"): reports what Lambda gave it.
export const handler = async (event, context) => {
  console.log("reporting for", event.who);
  console.log("two\nlines");
  return {
    event,
    context: {
      awsRequestId: context.awsRequestId,
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
      remainingMs: context.getRemainingTimeInMillis(),
    },
    env: Object.fromEntries(
      [
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_ENDPOINT_URL_LAMBDA",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "LAMBDA_TASK_ROOT",
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "PERDURE_LIFELINE_FD",
        "PERDURE_TOKEN",
      ].map((name) => [name, process.env[name] ?? null]),
    ),
    hasAccessKey: Boolean(process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY),
    cwd: process.cwd(),
    pid: process.pid,
  };
};

export const nested = { deeper: { handler: async () => "nested" } };

export const notAFunction = 42;

export const throws = async () => {
  class InventoryError extends Error {
    constructor(message) {
      super(message);
      this.name = "InventoryError";
    }
  }
  throw new InventoryError("out of stock");
};

export const throwsString = async () => {
  throw "plain words";
};

export const bigint = async () => ({ n: 10n });

export const hangs = () => new Promise(() => setTimeout(() => {}, 600_000));

export const exits = async () => {
  console.log("about to exit");
  process.exit(7);
};

export const uncaught = () =>
  new Promise(() => {
    setTimeout(() => {
      throw new TypeError("thrown from a timer");
    }, 1);
  });

export const rejects = () => {
  Promise.reject(new RangeError("nobody caught me"));
  return new Promise(() => {});
};

export const large = async () => "x".repeat(7 * 1024 * 1024);
