// Fails while loading, as a module that reads missing configuration does.
throw new Error("no configuration");
