"""Use cases. Each loads through the Store, decides with `_engine`, and persists the
new state with its effects in one transaction. Every caller (API, CLI, embedded SDK
client, test runner, runtime) goes through here, so each behaviour exists once."""
